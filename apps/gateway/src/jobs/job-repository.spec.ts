import { eventRecord, insertJob, openMetadata, type Metadata } from '../testing/metadata-fixtures';
import { newJobId, type EventRecord } from './job-record';

describe('JobRepository pagination', () => {
  let metadata: Metadata;
  beforeAll(async () => {
    metadata = await openMetadata();
  });
  afterAll(() => metadata.db.close());

  describe("a job's events, newest first by (created_at, arrival)", () => {
    const tenant = 'tenant-e';
    let jobId: string;
    let expected: string[];

    beforeAll(async () => {
      jobId = (await insertJob(metadata.jobs, tenant)).id;
      // 57 events, arriving out of event-time order, many sharing a second: ties go to the later arrival.
      const events: EventRecord[] = [];
      for (let i = 0; i < 57; i++) events.push(eventRecord(jobId, `ev-${String(i).padStart(2, '0')}`, 1000 + ((i * 7) % 13)));
      for (const event of events) expect(await metadata.jobs.recordEvent(tenant, event)).toBe('recorded');
      const arrival = new Map(events.map((event, index) => [event.id, index]));
      expected = [...events].sort((a, b) => b.created_at - a.created_at || arrival.get(b.id)! - arrival.get(a.id)!).map((event) => event.id);
      // Another job's and another tenant's events are never in the pages.
      const other = (await insertJob(metadata.jobs, tenant)).id;
      await metadata.jobs.recordEvent(tenant, eventRecord(other, 'other-1', 1005));
      await insertJob(metadata.jobs, 'tenant-e2', { id: jobId });
      await metadata.jobs.recordEvent('tenant-e2', eventRecord(jobId, 'foreign-1', 1005));
    });

    it.each([1, 10, 20, 56, 57, 100])('pages of %i: every event once, in order, has_more right', async (limit) => {
      const seen: string[] = [];
      let after: string | undefined;
      for (let pages = 0; ; pages++) {
        const { events, hasMore } = await metadata.jobs.eventsPage(tenant, jobId, after, limit);
        seen.push(...events.map((event) => event.id));
        expect(events.length).toBe(hasMore ? limit : Math.min(limit, 57 - limit * pages));
        if (!hasMore) break;
        after = events.at(-1)!.id;
      }
      expect(seen).toEqual(expected);
    });

    it('a page deep in the list starts right after its cursor; an unknown cursor gives an empty page', async () => {
      const { events, hasMore } = await metadata.jobs.eventsPage(tenant, jobId, expected[39], 5);
      expect(events.map((event) => event.id)).toEqual(expected.slice(40, 45));
      expect(hasMore).toBe(true);
      expect(await metadata.jobs.eventsPage(tenant, jobId, 'no-such-event', 5)).toEqual({ events: [], hasMore: false });
      expect(await metadata.jobs.eventsPage(tenant, jobId, 'other-1', 5)).toEqual({ events: [], hasMore: false });
    });

    it('a redelivered event is not recorded twice', async () => {
      expect(await metadata.jobs.recordEvent(tenant, eventRecord(jobId, 'ev-03', 1))).toBe('duplicate');
      expect((await metadata.jobs.eventsPage(tenant, jobId, undefined, 100)).events).toHaveLength(57);
    });
  });

  describe('jobs, newest first by id', () => {
    const tenant = 'tenant-l';
    let ids: string[];

    beforeAll(async () => {
      ids = [];
      for (let i = 0; i < 25; i++) {
        const id = newJobId(1_765_000_000_000 + i * 1000);
        ids.push(id);
        await insertJob(metadata.jobs, tenant, { id, metadata: i % 3 === 0 ? { team: 'a', n: String(i) } : { team: 'b' } });
      }
      ids.reverse();
      await insertJob(metadata.jobs, 'tenant-l2', { id: newJobId(1_765_000_000_000 + 500) });
    });

    async function walk(limit: number, metadataFilter?: Record<string, string>): Promise<string[]> {
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const { views, hasMore } = await metadata.jobs.list(tenant, { after, limit, metadata: metadataFilter });
        seen.push(...views.map((view) => view.record.id));
        if (!hasMore) {
          expect(views.length).toBeLessThanOrEqual(limit);
          break;
        }
        expect(views).toHaveLength(limit);
        after = views.at(-1)!.record.id;
      }
      return seen;
    }

    it.each([1, 7, 24, 25, 30])('pages of %i: every job once, newest first, has_more right', async (limit) => {
      expect(await walk(limit)).toEqual(ids);
    });

    it('filters on metadata[key]=value across pages', async () => {
      const teamA = ids.filter((_, index) => (24 - index) % 3 === 0);
      expect(await walk(2, { team: 'a' })).toEqual(teamA);
      expect(await walk(3, { team: 'a', n: '9' })).toEqual([ids[24 - 9]]);
      expect(await walk(3, { team: 'c' })).toEqual([]);
    });

    it('one query per page, whatever the page holds', async () => {
      const spy = jest.spyOn(metadata.db, 'query');
      try {
        const { views } = await metadata.jobs.list(tenant, { limit: 20 });
        expect(views).toHaveLength(20);
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
    });

    it("a page's job objects carry their status, questions, result files and latest step metrics", async () => {
      const [running, succeeded] = [ids[0], ids[1]];
      const status = (jobId: string, s: 'running' | 'succeeded', at: number) =>
        metadata.jobs.recordStatus(tenant, { jobId, status: s, fine_tuned_model: s === 'succeeded' ? 'ft:m' : null, result_files: [], trained_tokens: null, error: null, changed_at: at });
      await status(running, 'running', 10);
      await metadata.jobs.recordEvent(tenant, eventRecord(running, 'm1', 50, { step: 1, eta_seconds: 100 }, 'metrics'));
      await metadata.jobs.recordEvent(tenant, eventRecord(running, 'm2', 60, { step: 2, eta_seconds: 40 }, 'metrics'));
      await metadata.jobs.recordEvent(tenant, eventRecord(running, 'c2', 61, { step: 2, valid_loss: 1 }, 'metrics'));
      await metadata.jobs.recordApproval(tenant, { approvalId: 'ap-1', jobId: running, stage: 'training_halfway', question: '?', options: ['approve', 'reject'], context: {}, autoAnswer: null, decideAt: null, decisionOnTimeout: null, created_at: 55 });
      await status(succeeded, 'running', 10);
      await metadata.jobs.claimResultFiles(tenant, succeeded, { file_ids: ['file-x'] });
      await status(succeeded, 'succeeded', 20);

      const { views } = await metadata.jobs.list(tenant, { limit: 3 });
      expect(views[0]).toMatchObject({ status: { status: 'running' }, approvals: [{ id: 'ap-1', status: 'pending' }], extras: { latestMetrics: { id: 'm2' } } });
      expect(views[1]).toMatchObject({ status: { status: 'succeeded', fine_tuned_model: 'ft:m' }, approvals: [], extras: { resultFiles: ['file-x'] } });
      expect(views[2]).toMatchObject({ approvals: [], extras: {} });
      expect(views[2].status).toBeUndefined();
      expect(await metadata.jobs.view(tenant, running)).toEqual(views[0]);
    });
  });
});
