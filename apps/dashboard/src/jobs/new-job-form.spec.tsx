/**
 * @jest-environment jsdom
 */
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ApiError } from '../api/api-error';
import type { ApiClient } from '../api/client';
import type { FineTuningJob } from '../api/types';
import { SessionContext } from '../auth/session';
import { NewJobForm } from './new-job-form';

function renderForm(client: Partial<ApiClient>, onCreated = jest.fn()) {
  render(
    <SessionContext.Provider value={{ client: client as ApiClient, signOut: () => undefined }}>
      <NewJobForm models={[{ id: 'tiny-llama', object: 'model', created: 1, owned_by: 'system' }, { id: 'ft:tiny-llama:acme::abc', object: 'model', created: 1, owned_by: 'acme' }]} onCreated={onCreated} />
    </SessionContext.Provider>,
  );
  return onCreated;
}

const file = (name: string) => new File(['{"messages": []}\n'], name, { type: 'application/jsonl' });

describe('the new-job form', () => {
  it('offers base models only, uploads the file, creates the job with its id and hands the job on', async () => {
    const uploadFile = jest.fn(async (f: File) => ({ id: `file-${f.name}`, filename: f.name, object: 'file' as const, bytes: 1, purpose: 'fine-tune' as const, status: 'processed' as const, created_at: 1 }));
    const createJob = jest.fn(async () => ({ id: 'ftjob-new' }) as FineTuningJob);
    const onCreated = renderForm({ uploadFile, createJob });
    expect(screen.getAllByRole('option').map((o) => o.textContent)).not.toContain('ft:tiny-llama:acme::abc');
    fireEvent.change(screen.getByLabelText('Base model'), { target: { value: 'tiny-llama' } });
    fireEvent.change(screen.getByLabelText('Training file'), { target: { files: [file('train.jsonl')] } });
    fireEvent.change(screen.getByLabelText('Halfway through training'), { target: { value: 'ask' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create job' })));
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith({ id: 'ftjob-new' }));
    expect(uploadFile).toHaveBeenCalledTimes(1);
    expect(createJob).toHaveBeenCalledWith(expect.objectContaining({ model: 'tiny-llama', training_file: 'file-train.jsonl', tuneforge: expect.objectContaining({ approval_policy: { training_halfway: 'ask' } }) }));
  });

  it('shows the error the API gives against the field its param names', async () => {
    const uploadFile = jest.fn(async () => ({ id: 'file-1', filename: 'x', object: 'file' as const, bytes: 1, purpose: 'fine-tune' as const, status: 'processed' as const, created_at: 1 }));
    const createJob = jest.fn(async () => {
      throw new ApiError(400, 'n_epochs must be at most 50', 'method.supervised.hyperparameters.n_epochs');
    });
    renderForm({ uploadFile, createJob });
    fireEvent.change(screen.getByLabelText('Base model'), { target: { value: 'tiny-llama' } });
    fireEvent.change(screen.getByLabelText('Training file'), { target: { files: [file('train.jsonl')] } });
    fireEvent.change(screen.getByLabelText('Epochs'), { target: { value: '99' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create job' })));
    const epochs = screen.getByLabelText('Epochs');
    await waitFor(() => expect(epochs.getAttribute('aria-invalid')).toBe('true'));
    const described = document.getElementById(epochs.getAttribute('aria-describedby')!.split(' ').at(-1)!);
    expect(described?.textContent).toBe('n_epochs must be at most 50 (method.supervised.hyperparameters.n_epochs)');
  });

  it('shows an upload refused for a bad line against that file, and creates nothing', async () => {
    const uploadFile = jest.fn(async () => {
      throw new ApiError(400, 'line 1 is not a JSON object', 'file');
    });
    const createJob = jest.fn();
    renderForm({ uploadFile, createJob });
    fireEvent.change(screen.getByLabelText('Base model'), { target: { value: 'tiny-llama' } });
    fireEvent.change(screen.getByLabelText('Training file'), { target: { files: [file('bad.jsonl')] } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create job' })));
    await waitFor(() => expect(screen.getByText('bad.jsonl: line 1 is not a JSON object')).toBeTruthy());
    expect(screen.getByLabelText('Training file').getAttribute('aria-invalid')).toBe('true');
    expect(createJob).not.toHaveBeenCalled();
  });
});
