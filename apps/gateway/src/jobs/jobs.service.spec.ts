import { DEFAULT_JOB_LIMITS, jobLifecycleCreatedV1, MODEL_ARTIFACT_KIND, modelArtifactPrefix, type Envelope, type TopicSpec } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { commitLocalDirectory, FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError } from '../errors/gateway-errors';
import { OutboxRelay } from '../outbox/outbox-relay';
import { capturingLogger, insertJob, openMetadata, type Metadata } from '../testing/metadata-fixtures';
import { JobEventNotifier } from './job-event-notifier';
import { JobsService } from './jobs.service';

/** A bus that records what it is given, and fails the publishes a test tells it to. */
class ScriptedBus {
  readonly published: Array<{ topic: string; message: Envelope<unknown> }> = [];
  failures = 0;
  async publish(topic: TopicSpec, message: Envelope<unknown>): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    }
    this.published.push({ topic: topic.name, message });
  }
}

describe('JobsService over the metadata database', () => {
  const tenant = 'tenant-s';
  let metadata: Metadata;
  let store: FilesystemArtifactStore;
  let bus: ScriptedBus;
  let relay: OutboxRelay;
  let service: JobsService;

  beforeAll(async () => {
    metadata = await openMetadata();
    store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-gateway-jobs-service-')));
    const modelDir = mkdtempSync(join(tmpdir(), 'tf-gateway-model-'));
    writeFileSync(join(modelDir, 'config.json'), '{}');
    await commitLocalDirectory(store.forTenant(tenant), modelArtifactPrefix('tiny-llama'), modelDir, { kind: MODEL_ARTIFACT_KIND, metadata: { name: 'tiny-llama' } });
    await metadata.files.insert(tenant, { id: 'file-training', bytes: 10, sha256: '0'.repeat(64), filename: 't.jsonl', purpose: 'fine-tune', content_type: 'application/jsonl', created_at: 1, status: 'processed' });
    bus = new ScriptedBus();
    relay = new OutboxRelay(metadata.db, bus as unknown as MessageBus, capturingLogger().logger);
    service = new JobsService(store, bus as unknown as MessageBus, { TF_JOB_LIMITS: DEFAULT_JOB_LIMITS }, metadata.jobs, metadata.files, relay, new JobEventNotifier(metadata.db));
  });
  afterAll(async () => {
    await relay.onModuleDestroy();
    await metadata.db.close();
  });

  it('creates a job while the bus is down, and announces it through the outbox once the bus is back', async () => {
    bus.failures = 1;
    const job = await service.create(tenant, { model: 'tiny-llama', training_file: 'file-training', metadata: { run: 'outbox' } });
    // The job exists (the response and the database say so) though nothing has been published yet.
    expect(job).toMatchObject({ status: 'validating_files', metadata: { run: 'outbox' } });
    expect(await service.retrieve(tenant, job.id)).toMatchObject({ id: job.id, status: 'validating_files' });
    expect(bus.published).toEqual([]);
    const [pending] = await metadata.db.query<{ topic: string; attempts: number; last_error: string }>('SELECT topic, attempts, last_error FROM outbox');
    expect(pending).toMatchObject({ topic: jobLifecycleCreatedV1.name, attempts: 1, last_error: expect.stringContaining('ECONNREFUSED') });

    // The relay's loop tries again: the bus takes it now, and the row goes.
    relay.start(50);
    await waitFor(() => bus.published.length > 0);
    expect(bus.published).toHaveLength(1);
    expect(bus.published[0]).toMatchObject({ topic: jobLifecycleCreatedV1.name, message: { correlationId: job.id, tenant, payload: { jobId: job.id, model: 'models/tiny-llama' } } });
    await waitFor(async () => (await metadata.db.query('SELECT seq FROM outbox')).length === 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(bus.published).toHaveLength(1);
  });

  it('creates and announces at once while the bus is up', async () => {
    const before = bus.published.length;
    const job = await service.create(tenant, { model: 'tiny-llama', training_file: 'file-training' });
    expect(bus.published.slice(before).map((p) => p.message.correlationId)).toEqual([job.id]);
    expect(await metadata.db.query('SELECT seq FROM outbox')).toEqual([]);
  });

  describe('answers: the first one wins', () => {
    let jobId: string;
    const ask = (approvalId: string) =>
      metadata.jobs.recordApproval(tenant, { approvalId, jobId, stage: 'training_halfway', question: 'Continue?', options: ['approve', 'reject'], context: {}, autoAnswer: null, decideAt: null, decisionOnTimeout: null, created_at: 1 });

    beforeAll(async () => {
      jobId = (await insertJob(metadata.jobs, tenant)).id;
    });

    it('two different answers at once: exactly one wins, the other is a 409 naming the winner', async () => {
      await ask('ap-race');
      const before = bus.published.length;
      const results = await Promise.allSettled([service.answer(tenant, jobId, 'ap-race', { decision: 'approve' }), service.answer(tenant, jobId, 'ap-race', { decision: 'reject' })]);
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = (won[0] as PromiseFulfilledResult<{ decision: string }>).value.decision;
      expect(lost[0].reason).toBeInstanceOf(ConflictError);
      expect((lost[0].reason as Error).message).toContain(`${winner} by human`);
      const [stored] = await metadata.jobs.approvals(tenant, jobId);
      expect(stored).toMatchObject({ status: 'answered', decision: winner, answered_by: 'human' });
      // Only the winner was sent to the orchestrator.
      expect(bus.published.slice(before).map((p) => (p.message.payload as { decision: string }).decision)).toEqual([winner]);
    });

    it('the same human decision again is 200 with the first answer; a different one is a 409', async () => {
      await ask('ap-again');
      const first = await service.answer(tenant, jobId, 'ap-again', { decision: 'approve', comment: 'first' });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const again = await service.answer(tenant, jobId, 'ap-again', { decision: 'approve', comment: 'second' });
      expect(again).toEqual(first);
      await expect(service.answer(tenant, jobId, 'ap-again', { decision: 'reject' })).rejects.toBeInstanceOf(ConflictError);
    });

    it("a question the policy answered can't be answered by a human", async () => {
      await metadata.jobs.recordApproval(
        tenant,
        { approvalId: 'ap-policy', jobId, stage: 'training_halfway', question: '?', options: ['approve', 'reject'], context: {}, autoAnswer: 'approve', decideAt: null, decisionOnTimeout: null, created_at: 1 },
        { decision: 'approve', answered_by: 'policy', answered_at: 1 },
      );
      await expect(service.answer(tenant, jobId, 'ap-policy', { decision: 'approve' })).rejects.toThrow(/already been answered \(approve by policy\)/);
    });
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
