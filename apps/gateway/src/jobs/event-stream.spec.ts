import type { ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import { eventRecord, insertJob, openMetadata, type Metadata } from '../testing/metadata-fixtures';
import { FALLBACK_POLL_MS, streamJobEvents } from './event-stream';
import { JobEventNotifier } from './job-event-notifier';

/** What a client receives: the SSE chunks, each with when it arrived. */
class FakeResponse extends EventEmitter {
  readonly chunks: Array<{ data: string; at: number }> = [];
  ended = false;
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.chunks.push({ data: chunk, at: Date.now() });
    this.emit('chunk');
    return true;
  }
  end(chunk?: string): this {
    if (chunk) this.write(chunk);
    this.ended = true;
    return this;
  }
  /** Event ids sent so far, in order. */
  ids(): string[] {
    return this.chunks.filter((c) => c.data !== 'data: [DONE]\n\n').map((c) => (JSON.parse(c.data.slice('data: '.length)) as { id: string }).id);
  }
  async until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out; received ${JSON.stringify(this.chunks)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

describe('the live event stream (LISTEN/NOTIFY)', () => {
  const tenant = 'tenant-stream';
  let metadata: Metadata;
  let notifier: JobEventNotifier;

  beforeAll(async () => {
    metadata = await openMetadata();
    notifier = new JobEventNotifier(metadata.db);
    await notifier.onModuleInit();
  });
  afterAll(async () => {
    await notifier.onModuleDestroy();
    await metadata.db.close();
  });

  const start = (jobId: string, response: FakeResponse) => streamJobEvents(metadata.jobs, notifier, tenant, jobId, response as unknown as ServerResponse);

  it('sends the events so far oldest first, then a new one as soon as its insert commits (notified, not polled), and ends with [DONE] when the job does', async () => {
    expect(FALLBACK_POLL_MS).toBeGreaterThanOrEqual(5000);
    const jobId = (await insertJob(metadata.jobs, tenant)).id;
    await metadata.jobs.recordEvent(tenant, eventRecord(jobId, 'second', 20));
    await metadata.jobs.recordEvent(tenant, eventRecord(jobId, 'first', 10));
    const response = new FakeResponse();
    const done = start(jobId, response);
    await response.until(() => response.chunks.length === 2);
    expect(response.ids()).toEqual(['first', 'second']);

    // Let the stream settle into its wait, then insert: the event must arrive long before the fallback poll would read it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const inserted = Date.now();
    await metadata.jobs.recordEvent(tenant, eventRecord(jobId, 'live', 30));
    await response.until(() => response.chunks.length === 3, FALLBACK_POLL_MS - 500);
    expect(response.chunks[2].at - inserted).toBeLessThan(1000);
    expect(response.ids()).toEqual(['first', 'second', 'live']);

    // Another job's event wakes nobody here and is not sent.
    const other = (await insertJob(metadata.jobs, tenant)).id;
    await metadata.jobs.recordEvent(tenant, eventRecord(other, 'elsewhere', 31));

    const ended = Date.now();
    await metadata.jobs.recordEvent(tenant, eventRecord(jobId, 'last words', 40));
    await metadata.jobs.recordStatus(tenant, { jobId, status: 'succeeded', fine_tuned_model: 'ft:m', result_files: [], trained_tokens: 1, error: null, changed_at: 41 });
    await done;
    expect(Date.now() - ended).toBeLessThan(1000);
    expect(response.ids()).toEqual(['first', 'second', 'live', 'last words']);
    expect(response.chunks.at(-1)?.data).toBe('data: [DONE]\n\n');
    expect(response.ended).toBe(true);
  });

  it('reads again after the listening connection came back (a notification may have been missed)', async () => {
    const jobId = (await insertJob(metadata.jobs, tenant)).id;
    const response = new FakeResponse();
    const done = start(jobId, response);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A row whose notification never came (inserted as if while the listener was away).
    await metadata.db.query("INSERT INTO job_events (tenant, job_id, event_id, type, created_at, record) VALUES ($1, $2, 'missed', 'message', 5, $3::jsonb)", [
      tenant,
      jobId,
      JSON.stringify(eventRecord(jobId, 'missed', 5)),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(response.chunks).toEqual([]);
    const reconnected = Date.now();
    notifier.received(undefined);
    await response.until(() => response.chunks.length === 1, 1000);
    expect(Date.now() - reconnected).toBeLessThan(1000);
    expect(response.ids()).toEqual(['missed']);
    response.emit('close');
    await done;
  });

  it('stops when the client leaves, without [DONE], and follows the job no more', async () => {
    const jobId = (await insertJob(metadata.jobs, tenant)).id;
    const response = new FakeResponse();
    const done = start(jobId, response);
    await new Promise((resolve) => setTimeout(resolve, 50));
    response.emit('close');
    await done;
    await metadata.jobs.recordEvent(tenant, eventRecord(jobId, 'after', 1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(response.chunks).toEqual([]);
    expect(response.ended).toBe(false);
    expect((notifier as unknown as { followers: Map<string, unknown> }).followers.size).toBe(0);
  });

  it('a job that already ended: everything, then [DONE], at once', async () => {
    const jobId = (await insertJob(metadata.jobs, tenant)).id;
    await metadata.jobs.recordEvent(tenant, eventRecord(jobId, 'only', 1));
    await metadata.jobs.recordStatus(tenant, { jobId, status: 'cancelled', fine_tuned_model: null, result_files: [], trained_tokens: null, error: null, changed_at: 2 });
    const response = new FakeResponse();
    await start(jobId, response);
    expect(response.chunks.map((c) => c.data)).toEqual([`data: ${JSON.stringify({ id: 'only', object: 'fine_tuning.job.event', created_at: 1, level: 'info', message: 'only', type: 'message', data: null })}\n\n`, 'data: [DONE]\n\n']);
  });
});
