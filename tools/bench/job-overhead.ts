/**
 * A job's overhead — its wall time minus the time inside the training loop — in embedded mode (one
 * process, in-process bus, filesystem store) and distributed mode (a process per service, Kafka, MinIO),
 * with a breakdown per stage, printed as a table. Not a test: DESIGN.md §6 asks that the overhead outside
 * training and evaluation stays in seconds; this measures it.
 *
 *   node -r @swc-node/register tools/bench/job-overhead.ts [modes=embedded,distributed] [epochs=10] [repetitions=1]
 *
 * Distributed mode needs infra/up.sh's Kafka and MinIO. Each mode starts its deployment once (not timed),
 * then runs the tiny model's job `repetitions` times through the OpenAI SDK: training and validation
 * files, the halfway question answered by the approval policy, no evaluation round. The deployments are
 * started as a user starts them (`apps/platform/src/embedded.ts`, `distributed.ts`). Times come from one
 * clock (this machine): the client's (job created, `succeeded` seen), the services' and the pod's log lines
 * (pino, ms), and, for the training loop, the pod's own measure (its ETA after the last step but one is
 * the mean step time). The halfway approval is answered while training goes on; its row is its latency
 * as the client sees the events (polled every 100 ms), not part of the wall time.
 */
import { MODEL_ARTIFACT_KIND, modelArtifactPrefix, SERVICE_NAMES } from '@tuneforge/contracts';
import { localInfraEnv } from '@tuneforge/service-kit';
import { commitLocalDirectory, createArtifactStoreFromEnv } from '@tuneforge/storage';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';

const MODES = (process.argv[2] ?? 'embedded,distributed').split(',') as Array<'embedded' | 'distributed'>;
const EPOCHS = Number(process.argv[3] ?? 10);
const REPETITIONS = Number(process.argv[4] ?? 1);
const WORKSPACE_ROOT = resolve(__dirname, '../..');
const FIXTURES = join(WORKSPACE_ROOT, 'apps/trainer/test/fixtures');
const TINY_MODEL_DIR = join(WORKSPACE_ROOT, 'tools/tiny-model/models/tiny-llama');
const TERMINAL = ['succeeded', 'failed', 'cancelled'];
const POLL_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stage durations of one job, in seconds. */
interface Breakdown {
  'data preparation': number;
  'queueing (to pod launch)': number;
  'pod start (process, bus)': number;
  'pod inputs (download, tokenize)': number;
  'engine load, final checkpoint': number;
  training: number;
  'export (adapter, merged)': number;
  finalize: number;
  'approval, auto-answered (concurrent)': number;
  wall: number;
  overhead: number;
}

interface LogLine {
  msg: string;
  time: string;
  service?: string;
  runId?: string;
  jobId?: string;
}

/** A deployment started by its launcher script, its JSON log lines kept. */
class Deployment {
  readonly logs: LogLine[] = [];
  private tail = '';
  private readonly child: ChildProcess;

  constructor(
    readonly mode: 'embedded' | 'distributed',
    readonly basePort: number,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['-r', '@swc-node/register', join(WORKSPACE_ROOT, 'apps/platform/src', `${mode}.ts`)], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, ...env, TF_HTTP_PORT: String(basePort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.tail = `${this.tail}${line}\n`.slice(-4000);
        if (!line.startsWith('{')) continue;
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line
        }
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.tail = `${this.tail}${chunk}`.slice(-4000)));
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.basePort}`;
  }

  get output(): string {
    return this.tail;
  }

  async ready(timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const index of SERVICE_NAMES.keys()) {
      for (;;) {
        if (this.child.exitCode !== null) throw new Error(`the ${this.mode} deployment exited with code ${this.child.exitCode}:\n${this.tail}`);
        const ok = await fetch(`http://127.0.0.1:${this.basePort + index}/readyz`).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`the ${this.mode} deployment was not ready within ${timeoutMs} ms:\n${this.tail}`);
        await sleep(250);
      }
    }
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((done) => {
      this.child.once('exit', () => done());
      this.child.kill('SIGTERM');
    });
  }
}

async function startMode(mode: 'embedded' | 'distributed', tenant: string, apiKey: string): Promise<Deployment> {
  const env: Record<string, string> =
    mode === 'embedded' ? { TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: mkdtempSync(join(tmpdir(), 'tf-bench-overhead-')) } : localInfraEnv();
  const store = createArtifactStoreFromEnv(env);
  await commitLocalDirectory(store.forTenant(tenant), modelArtifactPrefix('tiny-llama'), TINY_MODEL_DIR, { kind: MODEL_ARTIFACT_KIND, metadata: { name: 'tiny-llama' } });
  const deployment = new Deployment(mode, 25_000 + (process.pid % 200) * 10, {
    ...env,
    TF_API_KEYS: `${apiKey}:${tenant}`,
    TF_RATE_LIMIT_PER_MINUTE: '1000000',
    TF_TRAIN_POD_THREADS: '1',
    TF_TRAIN_POD_LOGS: 'true',
    TF_LOG_LEVEL: 'info',
  });
  await deployment.ready();
  return deployment;
}

interface Seen {
  message: string;
  type: string;
  data: { step?: number; total_steps?: number; eta_seconds?: number } | null;
  at: number;
}

async function runJob(client: OpenAI, deployment: Deployment): Promise<Breakdown> {
  const training = await client.files.create({ file: createReadStream(join(FIXTURES, 'train.jsonl')), purpose: 'fine-tune' });
  const validation = await client.files.create({ file: createReadStream(join(FIXTURES, 'validation.jsonl')), purpose: 'fine-tune' });
  const started = Date.now();
  const job = await client.fineTuning.jobs.create({
    model: 'tiny-llama',
    training_file: training.id,
    validation_file: validation.id,
    hyperparameters: { n_epochs: EPOCHS, batch_size: 1, learning_rate_multiplier: 10 },
    ...({ tuneforge: { approval_policy: { training_halfway: 'approve' }, evaluation: { enabled: false }, iteration_budget: 1 } } as object),
  });
  // When the client first sees each event: the events API, polled.
  const seen = new Map<string, Seen>();
  let ended: number | undefined;
  while (ended === undefined) {
    const status = (await client.fineTuning.jobs.retrieve(job.id)).status;
    const now = Date.now();
    for (const event of (await client.fineTuning.jobs.listEvents(job.id, { limit: 100 })).data) {
      if (!seen.has(event.id)) seen.set(event.id, { message: event.message, type: event.type ?? 'message', data: event.data as Seen['data'], at: now });
    }
    if (TERMINAL.includes(status)) {
      if (status !== 'succeeded') throw new Error(`${deployment.mode}: job ${job.id} ${status}`);
      ended = now;
    } else await sleep(POLL_MS);
  }
  const events = [...seen.values()];
  const at = (prefix: string) => {
    const event = events.find((e) => e.message.startsWith(prefix));
    if (!event) throw new Error(`${deployment.mode}: job ${job.id} has no event "${prefix}"`);
    return event.at;
  };
  const metrics = events.filter((e) => e.type === 'metrics').sort((a, b) => a.data!.step! - b.data!.step!);
  const runId = /\(run ([^)]+)\)/.exec(events.find((e) => e.message.startsWith('Training started'))!.message)![1];
  const logged = (msg: string, which: 'first' | 'last' = 'first', key: 'runId' | 'jobId' = 'runId') => {
    const lines = deployment.logs.filter((l) => l.msg === msg && l[key] === (key === 'runId' ? runId : job.id));
    const line = which === 'first' ? lines[0] : lines.at(-1);
    if (!line) throw new Error(`${deployment.mode}: no "${msg}" log line for ${key === 'runId' ? runId : job.id}`);
    return Date.parse(line.time);
  };
  const prepared = logged('data preparation finished', 'first', 'jobId');
  const launched = logged('training pod launched');
  const podStarted = logged('training pod started');
  const dataReady = logged('data ready');
  const lastCheckpoint = logged('checkpoint committed', 'last');
  const podFinished = logged('training pod finished');
  // The pod's own measure of its loop (steps, progress, checkpoints between): its ETA after step N-1 is
  // the mean step time so far, so the loop took about ETA × N.
  const total = metrics.at(-1)!.data!.total_steps!;
  const beforeLast = metrics.find((e) => e.data!.step === total - 1)!.data as { eta_seconds: number };
  const trainingSeconds = total > 1 ? beforeLast.eta_seconds * total : (lastCheckpoint - dataReady) / 1000;
  const halfway = metrics.find((e) => e.data!.step! * 2 >= e.data!.total_steps!)!.at;
  const wall = (ended - started) / 1000;
  return {
    'data preparation': (prepared - started) / 1000,
    'queueing (to pod launch)': (launched - prepared) / 1000,
    'pod start (process, bus)': (podStarted - launched) / 1000,
    'pod inputs (download, tokenize)': (dataReady - podStarted) / 1000,
    'engine load, final checkpoint': (lastCheckpoint - dataReady) / 1000 - trainingSeconds,
    training: trainingSeconds,
    'export (adapter, merged)': (podFinished - lastCheckpoint) / 1000,
    finalize: (ended - podFinished) / 1000,
    'approval, auto-answered (concurrent)': (at('Continuing was approved') - halfway) / 1000,
    wall,
    overhead: wall - trainingSeconds,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const results = new Map<string, Breakdown[]>();
  for (const mode of MODES) {
    const tenant = `bench-overhead-${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
    const apiKey = `bench-${randomUUID()}`;
    process.stderr.write(`${mode}: starting the deployment\n`);
    const deployment = await startMode(mode, tenant, apiKey);
    try {
      const client = new OpenAI({ apiKey, baseURL: `${deployment.gatewayUrl}/v1`, maxRetries: 2 });
      const runs: Breakdown[] = [];
      for (let i = 0; i < REPETITIONS; i++) {
        runs.push(await runJob(client, deployment));
        process.stderr.write(`${mode}: job ${i + 1}/${REPETITIONS}: wall ${runs.at(-1)!.wall.toFixed(2)} s, training ${runs.at(-1)!.training.toFixed(2)} s\n`);
      }
      results.set(mode, runs);
    } catch (error) {
      process.stderr.write(`${(error as Error).stack}\n--- deployment output ---\n${deployment.output}\n`);
      throw error;
    } finally {
      await deployment.stop();
    }
  }
  const rows = Object.keys(results.values().next().value![0]) as Array<keyof Breakdown>;
  const modes = [...results.keys()];
  const width = Math.max(...rows.map((row) => row.length)) + 2;
  const out: string[] = [];
  out.push(`job overhead, tiny model, ${EPOCHS} epochs, median of ${REPETITIONS} job(s) per mode, seconds`);
  out.push(`${'stage'.padEnd(width)}${modes.map((mode) => mode.padStart(14)).join('')}`);
  for (const row of rows) out.push(`${row.padEnd(width)}${modes.map((mode) => median(results.get(mode)!.map((run) => run[row])).toFixed(2).padStart(14)).join('')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`job-overhead failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
