import { loadDefaultConfig } from '@tuneforge/contracts';
import { currentStatus, newJobId, page, sortEventsNewestFirst, jobIdSchema, toApproval, toOpenAiJob, type ApprovalRecord, type EventRecord, type JobRecord, type StatusRecord } from './job-record';

const status = (s: StatusRecord['status'], at: number): StatusRecord => ({ jobId: 'j', status: s, fine_tuned_model: null, result_files: [], trained_tokens: null, error: null, changed_at: at });
const event = (id: string, created_at: number, received_at: number): EventRecord => ({ jobId: 'j', id, level: 'info', message: id, type: 'message', data: null, created_at, received_at });

describe('job records', () => {
  it('job ids are valid, sortable by creation time', () => {
    const a = newJobId(1_000);
    const b = newJobId(2_000);
    expect(jobIdSchema.safeParse(a).success).toBe(true);
    expect(a < b).toBe(true);
  });

  it('the current status is the furthest one reached, whatever order the changes arrived in', () => {
    expect(currentStatus([status('running', 3), status('succeeded', 4), status('queued', 2)])?.status).toBe('succeeded');
    expect(currentStatus([])).toBeUndefined();
  });

  it('events sort newest first, ties by arrival', () => {
    const sorted = sortEventsNewestFirst([event('a', 1, 10), event('c', 2, 5), event('b', 1, 11)]);
    expect(sorted.map((e) => e.id)).toEqual(['c', 'b', 'a']);
  });

  it('pages after a cursor, with has_more', () => {
    const items = ['a', 'b', 'c', 'd'].map((id) => ({ id }));
    expect(page(items, undefined, 2)).toEqual({ object: 'list', data: [{ id: 'a' }, { id: 'b' }], has_more: true, first_id: 'a', last_id: 'b' });
    expect(page(items, 'b', 2)).toMatchObject({ data: [{ id: 'c' }, { id: 'd' }], has_more: false });
    expect(page(items, 'zz', 2)).toMatchObject({ data: [], has_more: false, first_id: null });
  });

  it('a job waiting for a human shows the question, how long it waits and what happens then, in status_details', () => {
    const record: JobRecord = { id: 'ftjob-x', created_at: 1, spec: { model: 'tiny-llama', training_file: 'file-1' }, config: loadDefaultConfig(), files: { training: 'k' }, model: 'models/tiny-llama' };
    const asked: ApprovalRecord = { approvalId: 'ap-1', jobId: 'ftjob-x', stage: 'training_halfway', question: 'Continue?', options: ['approve', 'reject'], context: {}, autoAnswer: null, decideAt: 3601, decisionOnTimeout: 'approve', created_at: 1 };
    const pending = toApproval(asked, undefined);
    expect(pending).toMatchObject({ status: 'pending', decide_at: 3601, decision_on_timeout: 'approve' });
    expect(toOpenAiJob(record, [status('running', 1)], [pending]).status_details).toEqual({ waiting_for: 'approval', approval: pending });

    const answered = toApproval(asked, { decision: 'approve', answered_by: 'policy', answered_at: 3601, comment: 'no answer before the question timed out' });
    expect(answered).toMatchObject({ status: 'answered', decide_at: null, comment: 'no answer before the question timed out' });
    expect(toOpenAiJob(record, [status('running', 1)], [answered]).status_details).toBeNull();
    // A job that ended waits for nobody, even with a question left unanswered.
    expect(toOpenAiJob(record, [status('cancelled', 2)], [pending]).status_details).toBeNull();
  });
});
