import { DatabaseModelRecords, FilesystemArtifactStore } from '@tuneforge/storage';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventRecord, jobRecord, openMetadata, type Metadata } from '../testing/metadata-fixtures';
import { migrateStoreMetadata } from './migrate-store-metadata';

const put = (store: FilesystemArtifactStore | ReturnType<FilesystemArtifactStore['forTenant']>, key: string, value: unknown) =>
  store.put(key, JSON.stringify(value), { contentType: 'application/json' });

describe('migrating the artifact store records into the database (npm run migrate-metadata)', () => {
  let metadata: Metadata;
  beforeEach(async () => {
    metadata = await openMetadata();
  });
  afterEach(() => metadata.db.close());

  it('carries files, jobs, statuses, events in arrival order, questions with their answers and checkpoints, once', async () => {
    const root = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-legacy-')));
    const store = root.forTenant('acme');
    const job = jobRecord({ createdAt: 1_765_000_000, metadata: { team: 'search' } });
    const file = { id: 'file-abc', bytes: 5, sha256: 'a'.repeat(64), filename: 'train.jsonl', purpose: 'fine-tune', content_type: 'application/jsonl', created_at: 1_765_000_000, status: 'processed' };
    await store.put('files/file-abc/content', 'hello');
    await put(store, 'files/file-abc/meta.json', file);
    await put(store, `gateway/jobs/${job.id}/job.json`, job);
    for (const status of ['validating_files', 'running', 'succeeded'] as const) {
      await put(store, `gateway/jobs/${job.id}/status/${status}.json`, { jobId: job.id, status, fine_tuned_model: status === 'succeeded' ? 'ft:tiny-llama:acme::abc' : null, result_files: [], trained_tokens: status === 'succeeded' ? 1200 : null, error: null, changed_at: 1_765_000_100 });
    }
    // Two events at the same second: the one that arrived first stays first.
    const first = { ...eventRecord(job.id, 'e-first', 1_765_000_050), received_at: 1 };
    const second = { ...eventRecord(job.id, 'e-second', 1_765_000_050), received_at: 2 };
    for (const event of [second, first]) await put(store, `gateway/jobs/${job.id}/events/${createHash('sha256').update(event.id).digest('hex')}.json`, event);
    const question = { approvalId: 'ap-1', jobId: job.id, stage: 'training_halfway', question: 'Continue?', options: ['approve', 'reject'], context: {}, autoAnswer: null, decideAt: null, decisionOnTimeout: null, created_at: 1_765_000_060 };
    await put(store, `gateway/jobs/${job.id}/approvals/ap-1.json`, question);
    await put(store, `gateway/jobs/${job.id}/answers/ap-1.json`, { decision: 'approve', answered_by: 'human', answered_at: 1_765_000_070 });
    await put(store, `gateway/jobs/${job.id}/checkpoints/run-1-0000000002.json`, { runId: 'run-1', jobId: job.id, step: 2, artifact: `jobs/${job.id}/training/run-1/checkpoints/step-2`, metrics: { step: 2, train_loss: 1.5 }, created_at: 1_765_000_080 });
    await put(store, `gateway/jobs/${job.id}/result_files.json`, { file_ids: ['file-abc'] });
    await store.put(`gateway/jobs/${job.id}/events/broken.json`, '{"not": "an event"}');
    const model = { id: 'ft:tiny-llama:acme::abc', kind: 'fine-tuned', artifact: `jobs/${job.id}/training/run-1/merged`, adapter: null, baseArtifact: 'models/tiny-llama', jobId: job.id, created: 1_765_000_100 };
    await put(store, `registry/models/${createHash('sha256').update(model.id).digest('hex')}.json`, model);

    const [result] = await migrateStoreMetadata(root, metadata.db);
    expect(result).toMatchObject({ tenant: 'acme', files: 1, jobs: 1, statuses: 3, events: 2, approvals: 1, answers: 1, checkpoints: 1, models: 1 });
    expect(result.skipped).toEqual([expect.stringContaining(`gateway/jobs/${job.id}/events/broken.json`)]);

    const view = await metadata.jobs.view('acme', job.id);
    expect(view?.status).toMatchObject({ status: 'succeeded', fine_tuned_model: 'ft:tiny-llama:acme::abc', trained_tokens: 1200 });
    expect(view?.approvals).toEqual([expect.objectContaining({ id: 'ap-1', status: 'answered', decision: 'approve', answered_by: 'human' })]);
    expect(view?.extras.resultFiles).toEqual(['file-abc']);
    const page = await metadata.jobs.eventsPage('acme', job.id, undefined, 10);
    expect(page.events.map((event) => event.id)).toEqual(['e-second', 'e-first']);
    expect(await metadata.jobs.checkpoints('acme', job.id)).toHaveLength(1);
    expect(await metadata.files.get('acme', 'file-abc')).toEqual(file);
    expect(await new DatabaseModelRecords(metadata.db).get('acme', model.id)).toEqual(model);
    expect((await metadata.jobs.list('acme', { limit: 10, metadata: { team: 'search' } })).views.map((v) => v.record.id)).toEqual([job.id]);

    // Run again (after an interruption, say): nothing is written twice.
    const [again] = await migrateStoreMetadata(root, metadata.db);
    expect(again).toMatchObject({ files: 0, jobs: 0, statuses: 0, events: 0, approvals: 0, answers: 0, checkpoints: 0, models: 0 });
    expect((await metadata.jobs.eventsPage('acme', job.id, undefined, 10)).events).toHaveLength(2);
  });
});
