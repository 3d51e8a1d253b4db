import type { INestApplication } from '@nestjs/common';
import {
  createMessage,
  fineTunedModelName,
  jobApprovalAnsweredV1,
  jobApprovalRequestedV1,
  jobControlRequestedV1,
  jobLifecycleCreatedV1,
  jobLifecycleEventV1,
  jobLifecycleStatusChangedV1,
  loadDefaultConfig,
  MODEL_ARTIFACT_KIND,
  modelArtifactPrefix,
  trainingRunControlV1,
  type Envelope,
  type PayloadOf,
  type TopicSpec,
} from '@tuneforge/contracts';
import type { Database } from '@tuneforge/database';
import { dropTestDatabase } from '@tuneforge/database/src/testing';
import type { MessageBus, Subscription } from '@tuneforge/messaging';
import { createServiceApp, loadServiceConfig, type ServiceDefinition } from '@tuneforge/service-kit';
import { commitLocalDirectory, DatabaseModelRecords, ModelRegistry, openArtifact, type ArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
// The scenario puts three services together on one bus, as the embedded launcher does; the services
// themselves never import each other.
import { service as datagen } from '@tuneforge/datagen';
import { datagenEnvSchema } from '@tuneforge/datagen/src/config/datagen-config';
import { service as trainer } from '@tuneforge/trainer';
import { service as orchestrator } from '../src/service';

type Status = PayloadOf<typeof jobLifecycleStatusChangedV1>;
type JobEvent = PayloadOf<typeof jobLifecycleEventV1>;
type ApprovalRequest = PayloadOf<typeof jobApprovalRequestedV1>;
type Control = PayloadOf<typeof trainingRunControlV1>;

const TINY_MODEL_DIR = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');
const TRAINER_FIXTURES = resolve(__dirname, '../../trainer/test/fixtures');

export const quietLogger = process.env.ORCHESTRATOR_TEST_LOGS
  ? createLogger('orchestrator-test')
  : createLogger('orchestrator-test', { destination: new Writable({ write: (_c, _e, done) => done() }) });

interface Seen {
  statuses: Status[];
  events: JobEvent[];
  approvals: ApprovalRequest[];
  controls: Control[];
}

/** Orchestrator, datagen and trainer on one bus, store and metadata database, with listeners a test can await. */
export class JobHarness {
  readonly tag = `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
  readonly tenant = 'orchestrator-it';
  private readonly seen = new Map<string, Seen>();
  private readonly waiters: Array<() => void> = [];
  private listeners: Subscription[] = [];
  private apps: INestApplication[] = [];
  private orchestratorApp?: INestApplication;
  private instances = 0;

  constructor(
    readonly bus: MessageBus,
    readonly store: ArtifactStore,
    private readonly podEnv: Record<string, string>,
    /** A test database of the harness's own (openTestDatabase), dropped when it stops. */
    readonly database: Database,
  ) {}

  /**
   * The URL an orchestrator process opens to share this harness's database: `serverUrl` with the test schema as
   * its connections' search_path.
   */
  databaseUrl(serverUrl: string): string {
    if (!this.database.schema) return serverUrl;
    const options = encodeURIComponent(`-c search_path=${this.database.schema}`);
    return `${serverUrl}${serverUrl.includes('?') ? '&' : '?'}options=${options}`;
  }

  get tenantStore(): ArtifactStore {
    return this.store.forTenant(this.tenant);
  }

  async start(): Promise<void> {
    await this.store.ping();
    const listen = async <T extends { jobId: string }>(topic: TopicSpec, into: (s: Seen) => T[]) =>
      this.listeners.push(
        await this.bus.subscribe<T>(topic, { group: `orchestrator-test-${topic.name}-${this.tag}`, service: 'orchestrator-test', startFrom: 'earliest' }, async (message: Envelope<T>) => {
          into(this.of(message.payload.jobId)).push(message.payload);
          for (const wake of this.waiters.splice(0)) wake();
        }),
      );
    await listen<Status>(jobLifecycleStatusChangedV1, (s) => s.statuses);
    await listen<JobEvent>(jobLifecycleEventV1, (s) => s.events);
    await listen<ApprovalRequest>(jobApprovalRequestedV1, (s) => s.approvals);
    await listen<Control>(trainingRunControlV1, (s) => s.controls);
    this.apps.push(await this.app(datagen, loadServiceConfig(datagenEnvSchema, {})));
    this.apps.push(await this.app(trainer, { TF_TRAIN_POD_THREADS: '1', TF_TRAIN_POD_ENV: JSON.stringify(this.podEnv), TF_TRAIN_POD_LOGS: 'false' }));
    await this.startOrchestrator();
  }

  /** A new orchestrator instance over the same bus and store (the previous one, if any, is closed first). */
  async startOrchestrator(): Promise<void> {
    await this.orchestratorApp?.close();
    this.orchestratorApp = await this.app(orchestrator, {});
  }

  /**
   * The orchestrator as its own OS process (distributed mode), so a test can kill -9 it. Output is kept
   * and printed if the test fails.
   */
  startOrchestratorProcess(env: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', resolve(__dirname, '../src/main.ts')], {
      cwd: resolve(__dirname, '../../..'),
      // Info level: a failing test prints what each orchestrator process did (its output is kept, shown on failure).
      env: { ...process.env, ...env, TF_HTTP_PORT: '0', TF_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    return child;
  }

  readonly output: string[] = [];

  async stopOrchestrator(): Promise<void> {
    await this.orchestratorApp?.close();
    this.orchestratorApp = undefined;
  }

  async stop(): Promise<void> {
    await this.orchestratorApp?.close();
    for (const app of this.apps.reverse()) await app.close();
    for (const l of this.listeners) await l.close();
    await this.bus.close();
    await dropTestDatabase(this.database);
  }

  of(jobId: string): Seen {
    let s = this.seen.get(jobId);
    if (!s) this.seen.set(jobId, (s = { statuses: [], events: [], approvals: [], controls: [] }));
    return s;
  }

  async until(jobId: string, what: string, ready: (s: Seen) => boolean, timeoutMs = 240_000): Promise<Seen> {
    const deadline = Date.now() + timeoutMs;
    const seen = this.of(jobId);
    while (!ready(seen)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ statuses: seen.statuses.map((s) => s.status), events: seen.events.filter((e) => e.type === 'message').map((e) => e.message) })}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 500);
      });
    }
    return seen;
  }

  /**
   * Uploads the training files and the tiny model, then emits what the gateway emits for POST /v1/fine_tuning/jobs.
   * `beforeAnnounce` runs between the two (a message that overtakes the job's creation on another topic).
   */
  async createJob(beforeAnnounce?: (jobId: string) => Promise<void>): Promise<string> {
    const jobId = `ftjob-${this.tag}-${randomUUID().slice(0, 8)}`;
    const training = `files/${jobId}/train.jsonl`;
    const validation = `files/${jobId}/validation.jsonl`;
    await this.tenantStore.put(training, readFileSync(join(TRAINER_FIXTURES, 'train.jsonl')));
    await this.tenantStore.put(validation, readFileSync(join(TRAINER_FIXTURES, 'validation.jsonl')));
    const model = await commitLocalDirectory(this.tenantStore, modelArtifactPrefix(`tiny-llama-${jobId}`), TINY_MODEL_DIR, {
      kind: MODEL_ARTIFACT_KIND,
      metadata: { name: 'tiny-llama' },
    });
    const defaults = loadDefaultConfig();
    const config = {
      ...defaults,
      data: { ...defaults.data, maxSequenceLength: 1024 },
      training: { ...defaults.training, epochs: 8, batchSize: 1, microBatchSize: 1, learningRate: 0.01, schedule: 'constant' as const, warmupRatio: 0, checkpointEverySteps: 4, lora: { ...defaults.training.lora, rank: 8, alpha: 16, dropout: 0 } },
      approvals: { ...defaults.approvals, trainingHalfway: 'ask' as const },
      // These scenarios are about preparation and training; the evaluator is not part of this deployment.
      evaluation: { ...defaults.evaluation, enabled: false },
    };
    const payload: PayloadOf<typeof jobLifecycleCreatedV1> = {
      jobId,
      spec: { model: 'tiny-llama', training_file: 'file-train', validation_file: 'file-validation' },
      config,
      files: { training, validation },
      model,
    };
    await beforeAnnounce?.(jobId);
    await this.bus.publish(jobLifecycleCreatedV1, createMessage(jobLifecycleCreatedV1, payload, { correlationId: jobId, tenant: this.tenant }));
    return jobId;
  }

  async answer(jobId: string, approvalId: string, decision: 'approve' | 'reject'): Promise<void> {
    const message = createMessage(jobApprovalAnsweredV1, { approvalId, jobId, decision, answeredBy: 'human' }, { correlationId: jobId, tenant: this.tenant });
    await this.bus.publish(jobApprovalAnsweredV1, message);
  }

  async control(jobId: string, action: 'cancel' | 'pause' | 'resume'): Promise<void> {
    await this.bus.publish(jobControlRequestedV1, createMessage(jobControlRequestedV1, { jobId, action }, { correlationId: jobId, tenant: this.tenant }));
  }

  async modelKind(prefix: string): Promise<string> {
    return (await openArtifact(this.tenantStore, prefix)).manifest.kind;
  }

  private app(definition: ServiceDefinition, config: Readonly<Record<string, unknown>>): Promise<INestApplication> {
    const name = definition.name;
    return createServiceApp(definition, {
      identity: { name, version: '0.0.0-test', instanceId: `${name}-test-${this.tag}-${this.instances++}`, mode: this.bus.transport === 'kafka' ? 'distributed' : 'embedded' },
      bus: this.bus,
      store: this.store,
      database: this.database,
      logger: quietLogger,
      config,
    });
  }
}

const terminal = (s: Seen) => s.statuses.some((x) => ['succeeded', 'failed', 'cancelled'].includes(x.status));

/** The scenario both deployments must pass. */
export function describeJobScenario(makeHarness: () => Promise<JobHarness>): void {
  let harness: JobHarness;

  beforeAll(async () => {
    harness = await makeHarness();
    await harness.start();
  });
  afterAll(() => harness?.stop());

  it('runs a job: data prepared, training with metrics events, halfway approval answered once, succeeded with the merged model', async () => {
    const jobId = await harness.createJob();
    // Each topic has its own listener (and, over Kafka, its own consumer): wait for all of them to catch up.
    const asked = await harness.until(jobId, 'the halfway approval', (s) => (s.approvals.length > 0 && s.controls.length > 0 && s.statuses.length >= 3) || terminal(s));
    expect(asked.statuses.map((s) => s.status)).toEqual(['validating_files', 'queued', 'running']);
    const [approval] = asked.approvals;
    expect(approval).toMatchObject({ stage: 'training_halfway', options: ['approve', 'reject'], autoAnswer: null });
    expect(asked.controls.map((c) => c.action)).toEqual(['pause']);

    // The same approval answered twice (and then differently): the first answer applies, once.
    await harness.answer(jobId, approval.approvalId, 'approve');
    await harness.answer(jobId, approval.approvalId, 'approve');
    await harness.answer(jobId, approval.approvalId, 'reject');

    const done = await harness.until(jobId, 'the end of the job', (s) => terminal(s) && s.controls.length >= 2 && s.events.some((e) => e.message.startsWith('The job ')));
    const final = done.statuses.at(-1)!;
    if (final.status !== 'succeeded') throw new Error(`expected success: ${JSON.stringify(final)}`);
    expect(done.statuses.map((s) => s.status)).toEqual(['validating_files', 'queued', 'running', 'succeeded']);
    // The job's spec names the base `tiny-llama` and no suffix: the model's name is OpenAI's ft: shape, registered.
    expect(final.fine_tuned_model).toBe(fineTunedModelName({ base: 'tiny-llama', owner: harness.tenant, jobId }));
    const named = await new ModelRegistry(harness.tenantStore, harness.tenant, new DatabaseModelRecords(harness.database)).resolve(final.fine_tuned_model!);
    expect(named).toMatchObject({ kind: 'fine-tuned', artifact: expect.stringMatching(new RegExp(`^jobs/${jobId}/training/run-[0-9a-f]+/merged$`)) });
    expect(await harness.modelKind(named!.artifact)).toBe('model');
    expect(done.controls.map((c) => c.action)).toEqual(['pause', 'resume']);
    expect(done.approvals).toHaveLength(1);

    const metrics = done.events.filter((e) => e.type === 'metrics');
    const steps = metrics.map((e) => (e.data as { step: number }).step);
    const total = (metrics[0].data as { total_steps: number }).total_steps;
    expect(steps).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(done.events.filter((e) => e.message.startsWith('Continuing was approved'))).toHaveLength(1);
    expect(done.events.some((e) => e.message.startsWith('Data prepared'))).toBe(true);
  });

  it('a new orchestrator instance over the same database resumes a job that was waiting for its approval', async () => {
    const jobId = await harness.createJob();
    const asked = await harness.until(jobId, 'the halfway approval', (s) => (s.approvals.length > 0 && s.controls.length > 0) || terminal(s));
    const [approval] = asked.approvals;
    expect(approval).toBeDefined();
    await harness.stopOrchestrator();
    await harness.startOrchestrator();
    await harness.answer(jobId, approval.approvalId, 'approve');
    const done = await harness.until(jobId, 'the end of the job', (s) => terminal(s) && s.controls.length >= 2);
    expect(done.statuses.map((s) => s.status)).toEqual(['validating_files', 'queued', 'running', 'succeeded']);
    expect(done.approvals).toHaveLength(1);
    expect(done.controls.map((c) => c.action)).toEqual(['pause', 'resume']);
  });

  it('a cancel requested while the job waits for its approval stops the paused run and ends the job cancelled', async () => {
    const jobId = await harness.createJob();
    await harness.until(jobId, 'the halfway approval', (s) => (s.approvals.length > 0 && s.controls.length > 0) || terminal(s));
    await harness.control(jobId, 'cancel');
    const done = await harness.until(jobId, 'the end of the job', (s) => terminal(s) && s.controls.length >= 2);
    expect(done.statuses.map((s) => s.status)).toEqual(['validating_files', 'queued', 'running', 'cancelled']);
    expect(done.controls.map((c) => c.action)).toEqual(['pause', 'cancel']);
  });

  it("a cancel that overtakes the job's creation ends the job cancelled before any task is sent", async () => {
    const jobId = await harness.createJob((id) => harness.control(id, 'cancel'));
    const done = await harness.until(jobId, 'the end of the job', (s) => terminal(s) && s.events.some((e) => e.message.startsWith('The job ')));
    expect(done.statuses.map((s) => s.status)).toEqual(['cancelled']);
    expect(done.events.filter((e) => e.message === 'The job was cancelled')).toHaveLength(1);
    expect(done.events.some((e) => e.message.startsWith('Data prepared') || e.message.startsWith('Training started'))).toBe(false);
  });

  it('a cancel sent right after the create, and one sent while training runs, each end their job cancelled, once', async () => {
    const atOnce = await harness.createJob();
    await harness.control(atOnce, 'cancel');
    const whileTraining = await harness.createJob();
    await harness.until(whileTraining, 'training', (s) => s.events.some((e) => e.type === 'metrics') || terminal(s));
    await harness.control(whileTraining, 'cancel');
    for (const jobId of [atOnce, whileTraining]) {
      const done = await harness.until(jobId, 'the end of the job', (s) => terminal(s) && s.events.some((e) => e.message.startsWith('The job ')));
      expect(done.statuses.filter((s) => ['succeeded', 'failed', 'cancelled'].includes(s.status)).map((s) => s.status)).toEqual(['cancelled']);
      expect(done.events.filter((e) => e.message === 'The job was cancelled')).toHaveLength(1);
    }
  });
}
