/**
 * @jest-environment jsdom
 */
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ApiClient } from '../api/client';
import type { Approval } from '../api/types';
import { SessionContext } from '../auth/session';
import { ApprovalCard } from './approval-card';

let diagnosis: Approval;

beforeAll(async () => {
  // The configuration the question is about; the contracts are loaded on demand, as the app loads them.
  const config = (await import('@tuneforge/contracts')).loadDefaultConfig();
  diagnosis = {
    id: 'appr-1',
    object: 'fine_tuning.job.approval',
    job_id: 'ftjob-1',
    stage: 'apply_diagnosis',
    question: 'Apply "train for 2 epochs"?',
    options: ['approve', 'reject', 'edit'],
    context: { iteration: 1, top_finding: 'underfitting', patch: { description: 'train for 2 epochs', config: { training: { epochs: 2 } } }, config },
    created_at: 1,
    status: 'pending',
    decision: null,
    answered_by: null,
    answered_at: null,
    decide_at: null,
    decision_on_timeout: null,
    comment: null,
  };
});

const finding = {
  code: 'underfitting',
  severity: 'high' as const,
  score: 2.5,
  title: 'The training loss was still falling fast when the run stopped',
  evidence: { last_slope: -0.12 },
  patch: { description: 'train for 2 epochs', config: { training: { epochs: 2 } } },
};
const iterations = jest.fn(async () => [{ iteration: 1, trained: null, evaluation: null, diagnosis: { findings: [finding], explanation: null }, conclusion: null }]);

function renderCard(approval: Approval, answer: jest.Mock) {
  const onAnswered = jest.fn();
  render(
    <SessionContext.Provider value={{ client: { answer, iterations } as unknown as ApiClient, signOut: () => undefined }}>
      <ApprovalCard approval={approval} onAnswered={onAnswered} />
    </SessionContext.Provider>,
  );
  return onAnswered;
}

describe('an approval card', () => {
  it('shows the findings of the iteration it is about, and approves with the comment given', async () => {
    const answer = jest.fn(async () => ({}));
    const onAnswered = renderCard(diagnosis, answer);
    expect(screen.getByText('underfitting')).toBeTruthy();
    await waitFor(() => expect(screen.getByText(finding.title)).toBeTruthy());
    expect(iterations).toHaveBeenCalledWith('ftjob-1');
    fireEvent.change(screen.getByLabelText('Comment (optional)'), { target: { value: 'looks right' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Approve' })));
    expect(answer).toHaveBeenCalledWith('ftjob-1', 'appr-1', { decision: 'approve', comment: 'looks right' });
    expect(onAnswered).toHaveBeenCalled();
  });

  it('edits the patch: an invalid one cannot be sent, a valid one is sent as the edit', async () => {
    const answer = jest.fn(async () => ({}));
    renderCard(diagnosis, answer);
    fireEvent.click(screen.getByRole('button', { name: 'Edit the patch' }));
    const editor = screen.getByLabelText('Patch (JSON merge patch on the job configuration)');
    expect(JSON.parse((editor as HTMLTextAreaElement).value)).toEqual({ training: { epochs: 2 } });
    fireEvent.change(editor, { target: { value: '{"training": {"learningRate": -1}}' } });
    await waitFor(() => expect(screen.getByText(/training\.learningRate/)).toBeTruthy());
    expect((screen.getByRole('button', { name: 'Send the edited patch' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(editor, { target: { value: '{"training": {"epochs": 3}}' } });
    await waitFor(() => expect(screen.getByText('The patch is valid.')).toBeTruthy());
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Send the edited patch' })));
    await waitFor(() => expect(answer).toHaveBeenCalledWith('ftjob-1', 'appr-1', { decision: 'edit', edits: { training: { epochs: 3 } } }));
  });

  it('offers only the options the question has', () => {
    iterations.mockClear();
    renderCard({ ...diagnosis, stage: 'training_halfway', options: ['approve', 'reject'], context: { step: 5, totalSteps: 10, loss: 2.5 } }, jest.fn());
    expect(screen.queryByRole('button', { name: 'Edit the patch' })).toBeNull();
    expect(screen.getByText('totalSteps')).toBeTruthy();
    // A halfway question is about no diagnosis.
    expect(iterations).not.toHaveBeenCalled();
  });
});
