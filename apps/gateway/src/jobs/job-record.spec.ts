import { currentStatus, newJobId, page, sortEventsNewestFirst, jobIdSchema, type EventRecord, type StatusRecord } from './job-record';

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
});
