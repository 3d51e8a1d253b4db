import { ALL_TOPICS } from '@tuneforge/contracts';
import { openTestDatabase } from '@tuneforge/database/src/testing';
import { DatabaseIdempotencyStore, KafkaMessageBus } from '@tuneforge/messaging';
import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import type { ChildProcess } from 'node:child_process';
import { describeJobScenario, JobHarness, quietLogger } from './job-scenario';

/**
 * Distributed mode against the Kafka, MinIO and Postgres that `infra/up.sh` starts (each harness in a schema of
 * its own on the server); fails (never skips) without them.
 */

const storeEnv = localInfraEnv();

describe('orchestrator, datagen and trainer over Kafka with artifacts in MinIO and metadata in Postgres', () => {
  describeJobScenario(async () => {
    const store = createArtifactStoreFromEnv(storeEnv);
    const database = await openTestDatabase(storeEnv.TF_DATABASE_URL);
    const bus = new KafkaMessageBus({ brokers: storeEnv.TF_KAFKA_BROKERS.split(','), clientId: 'orchestrator-it', logger: quietLogger, idempotency: new DatabaseIdempotencyStore(database) });
    await bus.ensureTopics(ALL_TOPICS);
    // The pod is a Kafka client of its own and reads MinIO with the same settings.
    return new JobHarness(bus, store, storeEnv, database);
  });
});

describe('the orchestrator as its own process over Kafka, MinIO and Postgres', () => {
  // Known flaky (about one run in three after the in-process scenario above, never alone): the restarted process
  // sometimes never takes the answer sent while no orchestrator ran. Not understood yet; the failing attempt's
  // output (both processes at info level) is printed before the retry, so the next failure can be diagnosed.
  jest.retryTimes(1, { logErrorsBeforeRetry: true });
  let harness: JobHarness;

  beforeAll(async () => {
    const store = createArtifactStoreFromEnv(storeEnv);
    const database = await openTestDatabase(storeEnv.TF_DATABASE_URL);
    const bus = new KafkaMessageBus({ brokers: storeEnv.TF_KAFKA_BROKERS.split(','), clientId: 'orchestrator-it-kill', logger: quietLogger, idempotency: new DatabaseIdempotencyStore(database) });
    await bus.ensureTopics(ALL_TOPICS);
    harness = new JobHarness(bus, store, storeEnv, database);
    await harness.start();
    // Only the process below runs the orchestrator.
    await harness.stopOrchestrator();
  });
  afterAll(() => harness?.stop());

  it('kill -9 while a job waits for its approval: the answer sent meanwhile is taken by the next process, the job succeeds', async () => {
    // The processes share the harness's schema: the checkpoints and inbox the first one wrote are the second one's.
    const env = { ...storeEnv, TF_DATABASE_URL: harness.databaseUrl(storeEnv.TF_DATABASE_URL) };
    const first = harness.startOrchestratorProcess(env);
    const second: ChildProcess[] = [];
    try {
      const jobId = await harness.createJob();
      const asked = await harness.until(jobId, 'the halfway approval', (s) => (s.approvals.length > 0 && s.controls.length > 0) || s.statuses.some((x) => x.status !== 'running' && x.status !== 'queued' && x.status !== 'validating_files'), 120_000);
      const [approval] = asked.approvals;
      expect(approval).toBeDefined();
      const exited = new Promise((r) => first.once('exit', r));
      first.kill('SIGKILL');
      await exited;
      await harness.answer(jobId, approval.approvalId, 'approve');
      second.push(harness.startOrchestratorProcess(env));
      // Generous: on a loaded machine the new process joins the consumer group and reads what it missed first.
      const done = await harness.until(jobId, 'the end of the job', (s) => s.statuses.some((x) => ['succeeded', 'failed', 'cancelled'].includes(x.status)) && s.controls.length >= 2, 240_000);
      expect(done.statuses.map((s) => s.status)).toEqual(['validating_files', 'queued', 'running', 'succeeded']);
      expect(done.approvals).toHaveLength(1);
      expect(done.controls.map((c) => c.action)).toEqual(['pause', 'resume']);
    } catch (error) {
      process.stderr.write(harness.output.join(''));
      throw error;
    } finally {
      for (const child of [first, ...second]) if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 420_000);
});
