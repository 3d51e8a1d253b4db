/**
 * How many `training.run.progressed.v1` messages per second one orchestrator turns into
 * `job.lifecycle.event.v1` metrics events, next to plain kafkajs consumers doing the bare minimum of one
 * write and one Kafka produce per message, as ratios. Two peers: the write as the orchestrator makes it now (one
 * INSERT of the curve point into the metadata database), and as it made it before issue #17 (one MinIO put).
 * Not a test.
 *
 *   node -r @swc-node/register tools/bench/orchestrator-progress.ts [messages=2000]
 *
 * Why: the orchestrator runs as one replica (docs/loop.md, "One orchestrator per deployment") and handles
 * every progress message of every run — one per optimizer step unless the trainer's
 * TF_TRAIN_POD_PROGRESS_EVERY thins them — so its rate bounds how many runs one deployment can follow
 * (docs/deploy.md, "Paper plan"). Per message it writes a curve point and publishes a job event (past halfway it
 * also checks the halfway inbox until the report is recorded); the Kafka transport around its handler keeps its
 * idempotency ledger and handler-start counts in the database.
 *
 * Against infra/up.sh's Kafka, MinIO and Postgres (TF_DATABASE_URL; a `pglite:` URL runs the orchestrator on PGlite
 * in a directory of its own instead). The orchestrator runs as its own process, as in distributed mode
 * (apps/orchestrator/src/main.ts; tools may not import apps), over a bucket and a database schema of its own so
 * that it resumes no earlier job at start (the schema is dropped at the end); its mean handling time is read
 * from its /metrics. Its consumer group is the deployment's (`orchestrator`): run this when no other
 * orchestrator runs against the same broker (an integration test's would take some of the partitions, and the
 * messages on them). One job is created as the gateway creates it (evaluation off; no datagen runs, so it stays
 * in data preparation) so that its progress is accepted; a few warm-up messages go through first.
 */
import {
  ALL_TOPICS,
  createMessage,
  jobLifecycleCreatedV1,
  jobLifecycleEventV1,
  jobLifecycleStatusChangedV1,
  loadDefaultConfig,
  MODEL_ARTIFACT_KIND,
  modelArtifactPrefix,
  trainingRunProgressedV1,
  type PayloadOf,
} from '@tuneforge/contracts';
import { openDatabase, redact, type Database } from '@tuneforge/database';
import { InMemoryIdempotencyStore, KafkaMessageBus } from '@tuneforge/messaging';
import { localInfraEnv } from '@tuneforge/service-kit';
import { commitLocalDirectory, createArtifactStoreFromEnv } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { Kafka, logLevel } from 'kafkajs';
import { Client as MinioClient } from 'minio';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';

const MESSAGES = Number(process.argv[2] ?? 2000);
const WARM_UP = 20;
const IN_FLIGHT = 50;
const WORKSPACE_ROOT = resolve(__dirname, '../..');
const TINY_MODEL_DIR = join(WORKSPACE_ROOT, 'tools/tiny-model/models/tiny-llama');
const TRAINER_FIXTURES = join(WORKSPACE_ROOT, 'apps/trainer/test/fixtures');
const TAG = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
const TENANT = 'bench';
const env: Record<string, string> = { ...localInfraEnv(), TF_S3_BUCKET: `tuneforge-bench-${TAG}` };
const SCHEMA = `bench_${TAG.replace(/[^a-z0-9]/g, '')}`;
const ORCHESTRATOR_PORT = 18_000 + Math.floor(Math.random() * 1000);
const BROKERS = env.TF_KAFKA_BROKERS.split(',');
const quiet = createLogger('bench', { destination: new Writable({ write: (_c, _e, done) => done() }) });
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

type Progress = PayloadOf<typeof trainingRunProgressedV1>;

function progress(jobId: string, runId: string, step: number, totalSteps: number): Progress {
  return { runId, jobId, step, totalSteps, epoch: step / totalSteps, loss: 2 / (1 + step / 100), learningRate: 1e-4, gradNorm: 0.5, tokens: 1024, tokensPerSecond: 25_000, etaSeconds: totalSteps - step };
}

/** Calls publish(i) for i in [from, to) with up to IN_FLIGHT awaited calls at a time. */
async function publishAll(from: number, to: number, publish: (i: number) => Promise<void>): Promise<void> {
  let next = from;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < to) await publish(next++);
  }));
}

/** A counter that resolves `reached(n)` once n items were counted. */
class Tally {
  count = 0;
  private waiters: Array<{ n: number; wake: () => void }> = [];
  add(): void {
    this.count++;
    this.waiters = this.waiters.filter((w) => (this.count >= w.n ? (w.wake(), false) : true));
  }
  reached(n: number, what: string, timeoutMs = 600_000): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((wake, fail) => {
      const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms waiting for ${n} ${what}, saw ${this.count}`)), timeoutMs);
      this.waiters.push({ n, wake: () => (clearTimeout(timer), wake()) });
    });
  }
}

/** Handler seconds and count for a topic, from the orchestrator's /metrics (the messaging library's histogram). */
async function handlerSeconds(topic: string): Promise<{ sum: number; count: number }> {
  const response = await fetch(`http://127.0.0.1:${ORCHESTRATOR_PORT}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics of the orchestrator on port ${ORCHESTRATOR_PORT}: HTTP ${response.status}`);
  const text = await response.text();
  const read = (suffix: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`tuneforge_message_handler_seconds_${suffix}{`) && line.includes(`topic="${topic}"`))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return { sum: read('sum'), count: read('count') };
}

/** Resolves once the orchestrator's /healthz answers; fails if the process exits first or `timeoutMs` passes. */
async function listening(child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the orchestrator process exited with code ${child.exitCode}`);
    if (await fetch(`http://127.0.0.1:${ORCHESTRATOR_PORT}/healthz`).then((r) => r.ok, () => false)) return;
    if (Date.now() > deadline) throw new Error(`the orchestrator did not answer on port ${ORCHESTRATOR_PORT} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Result {
  rate: number;
  publishRate: number;
  meanHandlingMs: number;
}

/**
 * The orchestrator's database: a schema of its own on the server (created and migrated here, named in the URL as
 * its connections' search_path), or PGlite in a new directory.
 */
async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (env.TF_DATABASE_URL.startsWith('pglite:')) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-orchestrator-pglite-'));
    return { url: `pglite:${dir}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const database = await openDatabase(env.TF_DATABASE_URL, { schema: SCHEMA });
  await database.close();
  const options = encodeURIComponent(`-c search_path=${SCHEMA}`);
  return {
    url: `${env.TF_DATABASE_URL}${env.TF_DATABASE_URL.includes('?') ? '&' : '?'}options=${options}`,
    drop: async () => {
      const admin = await openDatabase(env.TF_DATABASE_URL, { migrate: false });
      await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
      await admin.close();
    },
  };
}

async function throughOrchestrator(databaseUrl: string): Promise<Result> {
  const store = createArtifactStoreFromEnv(env);
  // The bench's own publisher and its taps on the orchestrator's output: their ledger in memory, so that counting the
  // metrics events costs less than producing them (with a MinIO ledger the tap, at ~6 ms a message, was slower than
  // the orchestrator and set the measured rate).
  const bus = new KafkaMessageBus({ brokers: BROKERS, clientId: `bench-orchestrator-${TAG}`, logger: quiet, idempotency: new InMemoryIdempotencyStore() });
  await bus.ensureTopics(ALL_TOPICS);
  const subscriptions = [];
  const child = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []), '-r', '@swc-node/register', join(WORKSPACE_ROOT, 'apps/orchestrator/src/main.ts')], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, ...env, TF_DATABASE_URL: databaseUrl, TF_HTTP_PORT: String(ORCHESTRATOR_PORT), TF_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {

    // The job, as the gateway creates it (the harness in apps/orchestrator/test/job-scenario.ts does the same).
    const jobId = `ftjob-bench-${TAG}`;
    const runId = `run-bench-${TAG}`;
    const tenantStore = store.forTenant(TENANT);
    const files = { training: `files/${jobId}/train.jsonl`, validation: `files/${jobId}/validation.jsonl` };
    await tenantStore.put(files.training, readFileSync(join(TRAINER_FIXTURES, 'train.jsonl')));
    await tenantStore.put(files.validation, readFileSync(join(TRAINER_FIXTURES, 'validation.jsonl')));
    const model = await commitLocalDirectory(tenantStore, modelArtifactPrefix(`tiny-llama-${TAG}`), TINY_MODEL_DIR, { kind: MODEL_ARTIFACT_KIND, metadata: { name: 'tiny-llama' } });
    const defaults = loadDefaultConfig();
    const config = { ...defaults, evaluation: { ...defaults.evaluation, enabled: false } };

    const known = new Tally();
    const metrics = new Tally();
    subscriptions.push(
      await bus.subscribe<PayloadOf<typeof jobLifecycleStatusChangedV1>>(jobLifecycleStatusChangedV1, { group: `bench-status-${TAG}`, service: 'bench', startFrom: 'latest' }, async (m) => {
        if (m.payload.jobId === jobId) known.add();
      }),
      await bus.subscribe<PayloadOf<typeof jobLifecycleEventV1>>(jobLifecycleEventV1, { group: `bench-events-${TAG}`, service: 'bench', startFrom: 'latest' }, async (m) => {
        if (m.payload.jobId === jobId && m.payload.type === 'metrics') metrics.add();
      }),
    );
    await bus.publish(jobLifecycleCreatedV1, createMessage(jobLifecycleCreatedV1, { jobId, spec: { model: 'tiny-llama', training_file: 'file-train', validation_file: 'file-validation' }, config, files, model }, { correlationId: jobId, tenant: TENANT }));
    await known.reached(1, 'status events of the created job', 120_000);
    // Its consumers may take messages before its HTTP server listens: /metrics is read once it answers.
    await listening(child, 120_000);

    // Steps are 1-based; the run's second half also asks the store whether the halfway inbox was delivered.
    const totalSteps = WARM_UP + MESSAGES;
    const send = (i: number) => bus.publish(trainingRunProgressedV1, createMessage(trainingRunProgressedV1, progress(jobId, runId, i + 1, totalSteps), { correlationId: jobId, tenant: TENANT }));
    await publishAll(0, WARM_UP, send);
    await metrics.reached(WARM_UP, 'warm-up metrics events', 120_000);

    const before = await handlerSeconds(trainingRunProgressedV1.name);
    const started = process.hrtime.bigint();
    await publishAll(WARM_UP, totalSteps, send);
    const published = seconds(started);
    await metrics.reached(totalSteps, 'metrics events');
    const elapsed = seconds(started);
    const after = await handlerSeconds(trainingRunProgressedV1.name);
    const handled = after.count - before.count;
    return {
      rate: MESSAGES / elapsed,
      publishRate: MESSAGES / published,
      meanHandlingMs: ((after.sum - before.sum) / handled) * 1000,
    };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    for (const s of subscriptions) await s.close();
    await bus.close();
  }
}

/** The peer's one write per message: a MinIO put, or an INSERT of the curve point. */
type PeerWrite = (p: Progress) => Promise<void>;

function minioWrite(): PeerWrite {
  const endpoint = new URL(env.TF_S3_ENDPOINT);
  const minio = new MinioClient({ endPoint: endpoint.hostname, port: Number(endpoint.port), useSSL: endpoint.protocol === 'https:', accessKey: env.TF_S3_ACCESS_KEY, secretKey: env.TF_S3_SECRET_KEY });
  const bucket = env.TF_S3_BUCKET;
  let ready: Promise<void> | undefined;
  return async (p) => {
    ready ??= minio.bucketExists(bucket).then(async (exists) => (exists ? undefined : minio.makeBucket(bucket)));
    await ready;
    await minio.putObject(bucket, `plain/${p.jobId}/curve/${p.runId}/${String(p.step).padStart(10, '0')}.json`, JSON.stringify({ step: p.step, loss: p.loss, learningRate: p.learningRate }));
  };
}

function databaseWrite(database: Database): PeerWrite {
  return async (p) => {
    await database.query("INSERT INTO curve_points (job_id, run_id, kind, step, point) VALUES ($1, $2, 'train', $3, $4::jsonb) ON CONFLICT DO NOTHING", [
      p.jobId,
      p.runId,
      p.step,
      JSON.stringify({ step: p.step, loss: p.loss, learningRate: p.learningRate, gradNorm: p.gradNorm ?? null }),
    ]);
  };
}

/** A peer: per message one write and one Kafka produce, auto-commit, no validation, no ledger. */
async function plainPeer(name: string, write: PeerWrite): Promise<Result> {
  const input = `bench.progress-${name}-${TAG}.reported.v1`;
  const output = `bench.events-${name}-${TAG}.reported.v1`;
  const kafka = new Kafka({ clientId: `bench-${name}-${TAG}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: input, numPartitions: trainingRunProgressedV1.partitions ?? 6 }, { topic: output, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const handler = kafka.consumer({ groupId: `bench-${name}-handler-${TAG}` });
  const counter = kafka.consumer({ groupId: `bench-${name}-counter-${TAG}` });
  await Promise.all([producer.connect(), handler.connect(), counter.connect()]);
  const outputs = new Tally();
  let handlingSeconds = 0;
  let handled = 0;
  try {
    await handler.subscribe({ topics: [input], fromBeginning: true });
    await counter.subscribe({ topics: [output], fromBeginning: true });
    const joined = (c: typeof handler) => new Promise<void>((resolve) => c.on(c.events.GROUP_JOIN, () => resolve()));
    const joins = [joined(handler), joined(counter)];
    await handler.run({
      eachMessage: async ({ message }) => {
        const started = process.hrtime.bigint();
        const envelope = JSON.parse(message.value!.toString('utf8')) as { payload: Progress; correlationId: string };
        const p = envelope.payload;
        await write(p);
        await producer.send({ topic: output, acks: -1, messages: [{ key: p.jobId, value: JSON.stringify({ jobId: p.jobId, type: 'metrics', step: p.step, train_loss: p.loss }) }] });
        handlingSeconds += seconds(started);
        handled++;
      },
    });
    await counter.run({ eachMessage: async () => outputs.add() });
    await Promise.all(joins);
    const jobId = `ftjob-${name}-${TAG}`;
    const runId = `run-${name}-${TAG}`;
    const started = process.hrtime.bigint();
    await publishAll(0, MESSAGES, async (i) => {
      const message = createMessage(trainingRunProgressedV1, progress(jobId, runId, i + 1, MESSAGES), { correlationId: jobId, tenant: TENANT });
      await producer.send({ topic: input, acks: -1, messages: [{ key: jobId, value: JSON.stringify(message) }] });
    });
    const published = seconds(started);
    await outputs.reached(MESSAGES, `${name} outputs`);
    const elapsed = seconds(started);
    return { rate: MESSAGES / elapsed, publishRate: MESSAGES / published, meanHandlingMs: (handlingSeconds / handled) * 1000 };
  } finally {
    await Promise.all([producer.disconnect(), handler.disconnect(), counter.disconnect()]);
  }
}

async function main() {
  const database = await benchDatabase();
  try {
    // The database peer writes into the orchestrator's own schema (or a PGlite of its own in memory), into a job of its own.
    const peerDatabase = await openDatabase(env.TF_DATABASE_URL.startsWith('pglite:') ? 'pglite:memory' : database.url);
    const plainDatabase = await plainPeer('plain-db', databaseWrite(peerDatabase)).finally(() => peerDatabase.close());
    const plainMinio = await plainPeer('plain-minio', minioWrite());
    const ours = await throughOrchestrator(database.url);
    const row = (label: string, r: Result) => console.log(`${label}: ${r.rate.toFixed(0)} messages/s handled, mean handling ${r.meanHandlingMs.toFixed(2)} ms (published at ${r.publishRate.toFixed(0)}/s)`);
    console.log(`messages: ${MESSAGES} progress messages of one run (after ${WARM_UP} warm-up), brokers: ${BROKERS.join(',')}, bucket: ${env.TF_S3_BUCKET}, database: ${redact(database.url)}`);
    row('plain kafkajs + database (1 INSERT + 1 produce, auto-commit)', plainDatabase);
    row('plain kafkajs + minio (1 put + 1 produce, auto-commit)', plainMinio);
    row('orchestrator (curve point, job event, halfway check, delivery ledger, offsets committed in groups)', ours);
    console.log(`ratio orchestrator/plain (database peer): ${(ours.rate / plainDatabase.rate).toFixed(2)}`);
    console.log(`ratio orchestrator/plain (minio peer, as before #17): ${(ours.rate / plainMinio.rate).toFixed(2)}`);
  } finally {
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
