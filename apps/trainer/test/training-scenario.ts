import type { INestApplication } from '@nestjs/common';
import {
  createMessage,
  loadDefaultConfig,
  MODEL_ARTIFACT_KIND,
  modelArtifactPrefix,
  trainingCheckpointSavedV1,
  trainingRunCompletedV1,
  trainingRunControlV1,
  trainingRunProgressedV1,
  trainingRunRequestedV1,
  type Envelope,
  type PayloadOf,
  type TopicSpec,
  type TrainingControlAction,
} from '@tuneforge/contracts';
import { Model } from '@tuneforge/engine';
import type { MessageBus, Subscription } from '@tuneforge/messaging';
import { createServiceApp } from '@tuneforge/service-kit';
import { ArtifactWriter, commitLocalDirectory, listCommittedArtifacts, openArtifact, type ArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { service } from '../src/service';
import { TrainingRuns } from '../src/runs/training-runs.service';

type Progress = PayloadOf<typeof trainingRunProgressedV1>;
type Checkpoint = PayloadOf<typeof trainingCheckpointSavedV1>;
type Completed = PayloadOf<typeof trainingRunCompletedV1>;
type Request = PayloadOf<typeof trainingRunRequestedV1>;

export const TINY_MODEL_DIR = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');

export const quietLogger = process.env.TRAINER_TEST_LOGS
  ? createLogger('trainer-test')
  : createLogger('trainer-test', { destination: new Writable({ write: (_c, _e, done) => done() }) });

/** One line a training pod logged (pino JSON), as the trainer forwards the pods' output. */
export interface PodLogRecord {
  msg: string;
  runId?: string;
  pid?: number;
  step?: number;
  state?: string;
  action?: string;
}

interface RunEvents {
  progress: Progress[];
  checkpoints: Checkpoint[];
  completed: Completed[];
}

/** The trainer service on a bus and store, with listeners that let a test await what a run publishes. */
export class TrainerHarness {
  readonly tag = `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
  readonly tenant = 'trainer-it';
  private readonly events = new Map<string, RunEvents>();
  private readonly waiters: Array<() => void> = [];
  private listeners: Subscription[] = [];
  private app?: INestApplication;
  private readonly podLogs: PodLogRecord[] = [];
  private restoreStdout?: () => void;
  readonly scratch = mkdtempSync(join(tmpdir(), 'trainer-it-'));

  constructor(
    readonly bus: MessageBus,
    readonly store: ArtifactStore,
    private readonly podEnv: Record<string, string>,
  ) {}

  get tenantStore(): ArtifactStore {
    return this.store.forTenant(this.tenant);
  }

  get runs(): TrainingRuns {
    return this.app!.get(TrainingRuns);
  }

  async start(): Promise<void> {
    await this.store.ping();
    this.capturePodLogs();
    const listen = async <T extends { runId: string }>(topic: TopicSpec, into: (e: RunEvents) => T[]) =>
      this.listeners.push(
        // From the newest message: the topics of a long-lived broker hold every earlier run's events, and
        // reading them all first (each through the durable idempotency record) kept the harness behind its
        // own run for longer than the run lasts. Its runs start after these subscriptions are in place.
        await this.bus.subscribe<T>(topic, { group: `trainer-test-${topic.name}-${this.tag}`, service: 'trainer-test', startFrom: 'latest' }, async (message: Envelope<T>) => {
          into(this.eventsOf(message.payload.runId)).push(message.payload);
          for (const wake of this.waiters.splice(0)) wake();
        }),
      );
    await listen<Progress>(trainingRunProgressedV1, (e) => e.progress);
    await listen<Checkpoint>(trainingCheckpointSavedV1, (e) => e.checkpoints);
    await listen<Completed>(trainingRunCompletedV1, (e) => e.completed);
    this.app = await createServiceApp(service, {
      identity: { name: 'trainer', version: '0.0.0-test', instanceId: `trainer-test-${this.tag}`, mode: this.bus.transport === 'kafka' ? 'distributed' : 'embedded' },
      bus: this.bus,
      store: this.store,
      logger: quietLogger,
      config: {
        TF_TRAIN_POD_THREADS: '1',
        TF_TRAIN_POD_ENV: JSON.stringify(this.podEnv),
        // Forwarded to this process's stdout, where the harness reads them (and shows them only when asked).
        TF_TRAIN_POD_LOGS: 'true',
      },
    });
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.restoreStdout?.();
    for (const l of this.listeners) await l.close();
    await this.bus.close();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  eventsOf(runId: string): RunEvents {
    let e = this.events.get(runId);
    if (!e) this.events.set(runId, (e = { progress: [], checkpoints: [], completed: [] }));
    return e;
  }

  /** Resolves once `ready` holds for the run's events (checked on every event); rejects after `timeoutMs`. */
  async until(runId: string, what: string, ready: (e: RunEvents) => boolean, timeoutMs = 240_000): Promise<RunEvents> {
    const deadline = Date.now() + timeoutMs;
    const events = this.eventsOf(runId);
    while (!ready(events)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ steps: events.progress.map((p) => p.step), completed: events.completed })}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 500);
      });
    }
    return events;
  }

  /**
   * The pods' log lines, read where the trainer forwards them (this process's stdout): what a pod says it
   * did (received a control, paused at a step) is the proof that it did, not a pause in its progress.
   */
  private capturePodLogs(): void {
    const original = process.stdout.write.bind(process.stdout);
    let partial = '';
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      partial += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          const record = JSON.parse(line) as PodLogRecord;
          if (typeof record.msg === 'string') this.podLogs.push(record);
        } catch {
          // not a log record
        }
      }
      for (const wake of this.waiters.splice(0)) wake();
      if (process.env.TRAINER_TEST_LOGS) return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
    this.restoreStdout = () => (process.stdout.write = original);
  }

  /** Resolves with the first log record of the run's pods that matches; rejects after `timeoutMs`. */
  async untilPodLog(runId: string, what: string, matches: (record: PodLogRecord) => boolean, timeoutMs = 120_000): Promise<PodLogRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.podLogs.find((record) => record.runId === runId && matches(record));
      if (found) return found;
      if (Date.now() > deadline) {
        const said = this.podLogs.filter((record) => record.runId === runId).map((record) => record.msg);
        throw new Error(`timed out waiting for the pod of ${runId} to log ${what}; it logged: ${JSON.stringify(said.slice(-20))}`);
      }
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 500);
      });
    }
  }

  podLogsOf(runId: string): PodLogRecord[] {
    return this.podLogs.filter((record) => record.runId === runId);
  }

  /** Pauses the run and waits until its pod says it holds at a step boundary; every step up to there is published. */
  async pauseAndWait(payload: Request, pid: number): Promise<number> {
    await this.control(payload, 'pause');
    const paused = await this.untilPodLog(payload.runId, 'that it paused', (record) => record.msg === 'paused at a step boundary' && record.pid === pid);
    const step = paused.step!;
    await this.until(payload.runId, `the progress of step ${step}`, (e) => e.progress.some((p) => p.step === step));
    return step;
  }

  /** The committed tiny model, registered as a base model artifact (a model directory with manifest). */
  async registerModel(): Promise<string> {
    return commitLocalDirectory(this.tenantStore, modelArtifactPrefix(`tiny-llama-${randomUUID().slice(0, 8)}`), TINY_MODEL_DIR, {
      kind: MODEL_ARTIFACT_KIND,
      metadata: { name: 'tiny-llama' },
    });
  }

  /** A prepared dataset artifact as datagen writes it: train.jsonl and validation.jsonl (OpenAI chat, tool calls). */
  async writeDataset(jobId: string): Promise<string> {
    const prefix = `jobs/${jobId}/data-preparation/prep-${this.tag}/dataset`;
    const writer = await ArtifactWriter.begin(this.tenantStore, prefix, { kind: 'prepared-dataset' });
    for (const file of ['train.jsonl', 'validation.jsonl']) await writer.addFile(file, readFileSync(join(__dirname, 'fixtures', file)));
    await writer.commit();
    return prefix;
  }

  async request(runId: string, overrides: Partial<Request['training']> = {}): Promise<Request> {
    const jobId = `ftjob-${runId}`;
    const defaults = loadDefaultConfig().training;
    const payload: Request = {
      runId,
      jobId,
      baseModel: await this.registerModel(),
      datasets: [await this.writeDataset(jobId)],
      maxSequenceLength: 1024,
      training: {
        ...defaults,
        method: 'lora',
        epochs: 24,
        batchSize: 1,
        microBatchSize: 1,
        learningRate: 0.01,
        schedule: 'constant',
        warmupRatio: 0,
        weightDecay: 0,
        checkpointEverySteps: 4,
        seed: 3,
        lora: { rank: 8, alpha: 16, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
        ...overrides,
      },
    };
    return payload;
  }

  async send(payload: Request): Promise<void> {
    await this.bus.publish(trainingRunRequestedV1, createMessage(trainingRunRequestedV1, payload, { correlationId: payload.jobId, tenant: this.tenant }));
  }

  async control(payload: Request, action: TrainingControlAction): Promise<void> {
    const message = createMessage(trainingRunControlV1, { runId: payload.runId, jobId: payload.jobId, action }, { correlationId: payload.jobId, tenant: this.tenant });
    await this.bus.publish(trainingRunControlV1, message);
  }

  async download(prefix: string, name: string): Promise<string> {
    const artifact = await openArtifact(this.tenantStore, prefix);
    const dir = join(this.scratch, name);
    for (const file of artifact.manifest.files) {
      const target = join(dir, file.path);
      await mkdir(dirname(target), { recursive: true });
      await pipeline(await artifact.openFile(file.path), createWriteStream(target));
    }
    return dir;
  }
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The scenario both deployments must pass. */
export function describeTrainingScenario(makeHarness: () => Promise<TrainerHarness>): void {
  let harness: TrainerHarness;

  beforeAll(async () => {
    harness = await makeHarness();
    await harness.start();
  });
  afterAll(() => harness?.stop());

  it('trains through a pod: contiguous progress with falling loss, checkpoints, kill -9 and resume, adapter and merged model that match', async () => {
    const runId = `run-${harness.tag}`;
    const payload = await harness.request(runId);
    await harness.send(payload);
    await harness.until(runId, 'the first progress event', (e) => e.progress.length > 0);
    // A redelivered request (same run id, another message) launches nothing.
    await harness.send(payload);

    // Paused at a step boundary, then kill -9: the relaunched pod resumes from the last checkpoint, stays
    // paused (the pause outlives the pod), and once resumed trains the steps after the checkpoint again
    // without publishing them again.
    const firstPid = harness.runs.describe(harness.tenant, runId)!.pod!.pid!;
    const pausedAt = await harness.pauseAndWait(payload, firstPid);
    if (harness.bus.transport === 'kafka') {
      // The pod heard the pause on Kafka itself (the trainer does not relay control in distributed mode).
      expect(harness.podLogsOf(runId).some((r) => r.msg === 'control received' && r.action === 'pause' && r.pid === firstPid)).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 2000));
    expect(Math.max(...harness.eventsOf(runId).progress.map((p) => p.step))).toBe(pausedAt);
    expect(harness.runs.describe(harness.tenant, runId)?.attempts).toBe(1);
    const killedAt = pausedAt;
    const seen = harness.eventsOf(runId).progress.length;
    process.kill(firstPid, 'SIGKILL');
    await harness.until(runId, 'the relaunch', () => harness.runs.describe(harness.tenant, runId)?.attempts === 2);
    // The relaunched pod starts paused (the trainer hands it the controls so far) at its last checkpoint.
    const secondPid = harness.runs.describe(harness.tenant, runId)!.pod!.pid!;
    const relaunchPaused = await harness.untilPodLog(runId, 'that the relaunched pod holds paused', (r) => r.msg === 'paused at a step boundary' && r.pid === secondPid);
    const committedBeforeKill: number[] = [];
    for await (const ref of listCommittedArtifacts(harness.tenantStore, `jobs/${payload.jobId}/training/${runId}/checkpoints/`)) committedBeforeKill.push(Number(/step-(\d+)$/.exec(ref.prefix)![1]));
    const lastCheckpoint = Math.max(0, ...committedBeforeKill);
    expect(relaunchPaused.step).toBe(lastCheckpoint);
    if (harness.bus.transport === 'kafka') {
      // It also reads the pause, published before it started, from Kafka: it reads from the run's request on.
      await harness.untilPodLog(runId, 'that the relaunched pod read the earlier pause', (r) => r.msg === 'control received' && r.action === 'pause' && r.pid === secondPid);
    }
    await new Promise((r) => setTimeout(r, 2000));
    expect(harness.eventsOf(runId).progress.length).toBe(seen);
    expect(harness.eventsOf(runId).completed).toEqual([]);
    await harness.control(payload, 'resume');

    const events = await harness.until(runId, 'completion', (e) => e.completed.length > 0);
    const done = events.completed[0];
    if (done.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(done)}`);
    // Progress and completion travel on different topics: the last step's progress can arrive after it.
    await harness.until(runId, 'the progress of the last step', (e) => e.progress.some((p) => p.step === done.steps));
    expect(harness.runs.describe(harness.tenant, runId)?.attempts).toBe(2);
    expect(killedAt).toBeLessThan(done.steps);

    // Steps 1..N, each once, in order, across the two pods.
    const steps = events.progress.map((p) => p.step);
    expect(steps).toEqual(Array.from({ length: done.steps }, (_, i) => i + 1));
    expect(events.progress.every((p) => p.totalSteps === done.steps && p.learningRate > 0 && p.tokensPerSecond > 0)).toBe(true);
    const losses = events.progress.map((p) => p.loss);
    if (process.env.TRAINER_TEST_LOSSES) process.stderr.write(`losses ${losses.map((l) => l.toFixed(3)).join(" ")}\n`);
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)) - 0.5);

    // Checkpoints: published and committed in the store, each with OpenAI's metrics fields.
    const checkpointSteps = [...new Set(events.checkpoints.map((c) => c.step))].sort((a, b) => a - b);
    expect(checkpointSteps).toEqual(Array.from({ length: done.steps / 4 }, (_, i) => (i + 1) * 4));
    expect(events.checkpoints.every((c) => c.metrics.step === c.step && Number.isFinite(c.metrics.train_loss) && Number.isFinite(c.metrics.valid_loss))).toBe(true);
    // Retention (keepCheckpoints, default 3, plus the best): the store keeps exactly those not announced as retired.
    const retired = new Set(events.checkpoints.flatMap((c) => c.retiredSteps ?? []));
    const kept = checkpointSteps.filter((s) => !retired.has(s));
    expect(kept.length).toBeGreaterThanOrEqual(3);
    expect(kept.length).toBeLessThanOrEqual(4);
    expect(kept.slice(-3)).toEqual(checkpointSteps.slice(-3));
    const committed: string[] = [];
    for await (const ref of listCommittedArtifacts(harness.tenantStore, `jobs/${payload.jobId}/training/${runId}/checkpoints/`)) committed.push(ref.prefix);
    expect(committed.sort()).toEqual(kept.map((s) => `jobs/${payload.jobId}/training/${runId}/checkpoints/step-${String(s).padStart(8, '0')}`));

    // Adapter and merged model committed; the merged model gives the logits of base + adapter.
    expect((await openArtifact(harness.tenantStore, done.artifacts.adapter!)).manifest.kind).toBe('peft-adapter');
    expect((await openArtifact(harness.tenantStore, done.artifacts.merged)).manifest.kind).toBe('model');
    // The merged model as GGUF too (F16, with an Ollama Modelfile).
    const gguf = (await openArtifact(harness.tenantStore, done.artifacts.gguf!)).manifest;
    expect({ kind: gguf.kind, files: gguf.files.map((f) => f.path).sort() }).toEqual({ kind: 'gguf', files: ['Modelfile', 'model-f16.gguf'] });
    const adapterDir = await harness.download(done.artifacts.adapter!, 'adapter');
    const mergedDir = await harness.download(done.artifacts.merged, 'merged');
    const trained = await Model.load(TINY_MODEL_DIR, { threads: 1 });
    await trained.attachAdapter(adapterDir);
    const merged = await Model.load(mergedDir, { threads: 1 });
    const base = await Model.load(TINY_MODEL_DIR, { threads: 1 });
    const ids = [[1, 5, 17, 42, 99, 3, 250, 7]];
    const [a, b, c] = [await trained.forward(ids), await merged.forward(ids), await base.forward(ids)];
    let diff = 0;
    let moved = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      moved = Math.max(moved, Math.abs(a[i] - c[i]));
    }
    expect(diff).toBeLessThan(1e-4);
    expect(moved).toBeGreaterThan(1e-2);
    for (const m of [trained, merged, base]) m.dispose();
  });

  it('honours pause, resume and cancel at step boundaries', async () => {
    const runId = `ctl-${harness.tag}`;
    const payload = await harness.request(runId, { epochs: 100, checkpointEverySteps: 1000 });
    await harness.send(payload);
    await harness.until(runId, 'the first progress event', (e) => e.progress.length > 0);
    const pid = harness.runs.describe(harness.tenant, runId)!.pod!.pid!;
    const pausedStep = await harness.pauseAndWait(payload, pid);
    // Paused: the step count stops moving.
    await new Promise((r) => setTimeout(r, 2500));
    const pausedAt = harness.eventsOf(runId).progress.length;
    expect(harness.eventsOf(runId).progress.at(-1)!.step).toBe(pausedStep);
    await harness.control(payload, 'resume');
    await harness.until(runId, 'progress after resume', (e) => e.progress.length > pausedAt + 1);
    await harness.control(payload, 'cancel');
    const events = await harness.until(runId, 'cancellation', (e) => e.completed.length > 0);
    const done = events.completed[0];
    expect(done.status).toBe('cancelled');
    if (done.status !== 'cancelled') return;
    await harness.until(runId, 'the progress of the last step', (e) => e.progress.some((p) => p.step === done.step));
    expect(done.step).toBe(events.progress.at(-1)!.step);
    expect(done.step).toBeLessThan(events.progress[0].totalSteps);
    expect(events.progress.map((p) => p.step)).toEqual(Array.from({ length: done.step }, (_, i) => i + 1));
  });
}
