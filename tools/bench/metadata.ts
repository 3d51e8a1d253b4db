/**
 * Reading jobs' metadata: the gateway's metadata database (issue #17: `JobRepository` over PGlite in process and, when
 * one answers, the Postgres server infra/up.sh starts) next to the artifact-store layout the gateway used before it
 * (one JSON object per job, status, event, question and answer, read the way jobs.service.ts read them at d6d16c1:
 * list the keys, then get each object), over the filesystem store and, when it answers, MinIO. p50 and p99 of:
 * list jobs (first page, limit 20), a job's events (first page, and a page from the middle of its events, limit 20),
 * retrieve a job; then the ratios. Not a test.
 *
 *   node -r @swc-node/register tools/bench/metadata.ts [jobs=10000] [events=200] [store-jobs=1000] [store-events=50] [iterations=200]
 *
 * The database is seeded with `jobs` × `events` for one tenant (bulk INSERT … SELECT over generate_series: seconds).
 * The old layout is seeded with fewer (`store-jobs` × `store-events`): it takes one PUT per object, and 2M objects
 * would take hours; the database is measured at that smaller size as well, so that each store has a peer of its own
 * size (filesystem ↔ PGlite, MinIO ↔ Postgres server, else PGlite). Jobs: 90% succeeded (result file, a question the
 * policy answered), 10% running (the job object then shows the latest step's ETA); a third carry metadata
 * {team: a}. Each operation is timed `iterations` times (fewer for the old layout when it is slow: at most 20 s an
 * operation) after a few warm-up calls, on jobs drawn at random. TF_DATABASE_URL and TF_S3_* point at other servers.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { configFromRequest, jobSpecSchema, loadDefaultConfig, resolvedMethod, type JobStatus } from '@tuneforge/contracts';
import { openDatabase, type Database } from '@tuneforge/database';
// The benchmark measures the gateway's own repository and record mappers, not a copy of their SQL: it imports them
// (no Nest app is started), which the module boundaries otherwise keep tools from doing.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  newJobId,
  sortEventsNewestFirst,
  toApproval,
  toOpenAiEvent,
  toOpenAiJob,
  type AnswerRecord,
  type ApprovalRecord,
  type EventRecord,
  type JobRecord,
  type StatusRecord,
  currentStatus,
  latestStepMetrics,
  page,
  type JobExtras,
} from '@tuneforge/gateway/src/jobs/job-record';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { JobRepository, type JobView } from '@tuneforge/gateway/src/jobs/job-repository';
import { localInfraEnv } from '@tuneforge/service-kit';
import { ArtifactNotFoundError, FilesystemArtifactStore, MinioArtifactStore, type ArtifactStore } from '@tuneforge/storage';
import { Client as MinioClient } from 'minio';

const JOBS = Number(process.argv[2] ?? 10_000);
const EVENTS = Number(process.argv[3] ?? 200);
const STORE_JOBS = Number(process.argv[4] ?? 1_000);
const STORE_EVENTS = Number(process.argv[5] ?? 50);
const ITERATIONS = Number(process.argv[6] ?? 200);
const WARM_UP = 5;
const STORE_BUDGET_MS = 20_000;
const LIMIT = 20;
const TENANT = 'bench';
const env = localInfraEnv();

const OPERATIONS = ['list jobs', 'events, first page', 'events, middle page', 'retrieve job'] as const;
type Operation = (typeof OPERATIONS)[number];

/** What each side does for an operation, returning what the API would answer (so both do the same work). */
interface Reader {
  listJobs(): Promise<unknown>;
  eventsPage(jobId: string, after: string | undefined): Promise<unknown>;
  retrieve(jobId: string): Promise<unknown>;
}

interface Contender {
  name: string;
  size: string;
  jobs: number;
  events: number;
  ids: string[];
  reader: Reader;
  /** The old layout gets a time budget per operation; the database all its iterations. */
  budgeted: boolean;
  close(): Promise<void>;
}

// ---- the seed: the same job for both sides --------------------------------------------------------------------------

const defaults = loadDefaultConfig();
function jobRecord(id: string, createdAt: number, index: number): JobRecord {
  const spec = jobSpecSchema.parse({ model: 'tiny-llama', training_file: 'file-training', suffix: 'bench', metadata: index % 3 === 0 ? { team: 'a' } : { team: 'b' } });
  const config = configFromRequest(defaults, spec);
  return { id, created_at: createdAt, spec, config, files: { training: 'files/file-training/content' }, model: 'models/tiny-llama', method: resolvedMethod(config, defaults) };
}
const isRunning = (index: number) => index % 10 === 0;
const statusesOf = (index: number): JobStatus[] => (isRunning(index) ? ['validating_files', 'queued', 'running'] : ['validating_files', 'queued', 'running', 'succeeded']);
function statusRecord(jobId: string, status: JobStatus, at: number): StatusRecord {
  const done = status === 'succeeded';
  return { jobId, status, fine_tuned_model: done ? `ft:tiny-llama:${TENANT}:bench:${jobId.slice(-8)}` : null, result_files: done ? [`jobs/${jobId}/training/run-1/merged`] : [], trained_tokens: done ? 123_456 : null, error: null, changed_at: at };
}
const approvalOf = (jobId: string, at: number): ApprovalRecord => ({
  approvalId: `ap-${jobId.slice(-8)}`,
  jobId,
  stage: 'training_halfway',
  question: 'Training is halfway. Continue?',
  options: ['approve', 'reject'],
  context: { step: 50 },
  autoAnswer: 'approve',
  decideAt: null,
  decisionOnTimeout: null,
  created_at: at,
});
const answerOf = (at: number): AnswerRecord => ({ decision: 'approve', answered_by: 'policy', answered_at: at });
/** Event g (1-based) of a job: every tenth a message, the others a step's metrics; its time is the job's plus g seconds. */
function eventOf(jobId: string, g: number, createdAt: number, total: number): EventRecord {
  const metrics = g % 10 !== 0;
  return {
    jobId,
    id: `ev-${g}`,
    level: 'info',
    message: metrics ? `Step ${g}/${total}: training loss=${(2 / (1 + g / 50)).toFixed(4)}` : `Checkpoint saved at step ${g}`,
    type: metrics ? 'metrics' : 'message',
    data: metrics ? { step: g, total_steps: total, train_loss: 2 / (1 + g / 50), train_mean_token_accuracy: 0.5, tokens_per_second: 25_000, eta_seconds: total - g, run_id: 'run-1' } : null,
    created_at: createdAt + g,
    received_at: (createdAt + g) * 1000,
  };
}

/** Job ids newest last, a second apart, as newJobId makes them. */
function jobIds(count: number): string[] {
  const start = Date.now() - count * 1000;
  return Array.from({ length: count }, (_, i) => newJobId(start + i * 1000));
}
const createdAtOf = (index: number, count: number) => Math.floor((Date.now() - (count - index) * 1000) / 1000);

// ---- the database --------------------------------------------------------------------------------------------------

async function seedDatabase(db: Database, jobs: number, events: number): Promise<string[]> {
  const ids = jobIds(jobs);
  const t0 = performance.now();
  const CHUNK = 1000;
  for (let from = 0; from < jobs; from += CHUNK) {
    const chunk = ids.slice(from, from + CHUNK);
    const indexes = chunk.map((_, i) => from + i);
    const template = jobRecord('ftjob-template', 0, 0);
    await db.transaction(async (tx) => {
      // Jobs: the template record with each job's id, time and metadata.
      await tx.query(
        `INSERT INTO jobs (tenant, id, created_at, status, status_rank, finished_at, trained_tokens, record)
         SELECT $1, t.id, t.created_at, CASE WHEN t.running THEN 'running' ELSE 'succeeded' END, CASE WHEN t.running THEN 2 ELSE 3 END,
                CASE WHEN t.running THEN NULL ELSE t.created_at + $4 END, CASE WHEN t.running THEN NULL ELSE 123456 END,
                jsonb_set(jsonb_set(jsonb_set($2::jsonb, '{id}', to_jsonb(t.id)), '{created_at}', to_jsonb(t.created_at)), '{spec,metadata,team}', to_jsonb(t.team))
           FROM unnest($3::text[], $5::bigint[], $6::boolean[], $7::text[]) AS t(id, created_at, running, team)`,
        [TENANT, JSON.stringify(template), chunk, events + 10, indexes.map((i) => createdAtOf(i, jobs)), indexes.map(isRunning), indexes.map((i) => (i % 3 === 0 ? 'a' : 'b'))],
      );
      // Each status reached, the record as the orchestrator sends it.
      const statusRows = chunk.flatMap((id, i) => statusesOf(indexes[i]).map((status, k) => ({ id, status, record: statusRecord(id, status, createdAtOf(indexes[i], jobs) + k) })));
      await tx.query(
        `INSERT INTO job_statuses (tenant, job_id, status, record) SELECT $1, t.id, t.status, t.record FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS t(id, status, record)`,
        [TENANT, statusRows.map((r) => r.id), statusRows.map((r) => r.status), statusRows.map((r) => JSON.stringify(r.record))],
      );
      await tx.query(
        `INSERT INTO job_approvals (tenant, job_id, approval_id, created_at, record) SELECT $1, t.id, t.record->>'approvalId', (t.record->>'created_at')::bigint, t.record FROM unnest($2::text[], $3::jsonb[]) AS t(id, record)`,
        [TENANT, chunk, chunk.map((id, i) => JSON.stringify(approvalOf(id, createdAtOf(indexes[i], jobs) + 50)))],
      );
      await tx.query(`INSERT INTO job_answers (tenant, job_id, approval_id, record) SELECT tenant, job_id, approval_id, $2::jsonb FROM job_approvals WHERE tenant = $1 AND job_id = ANY($3::text[])`, [
        TENANT,
        JSON.stringify(answerOf(0)),
        chunk,
      ]);
      await tx.query(`INSERT INTO job_result_files (tenant, job_id, file_ids) SELECT tenant, id, jsonb_build_array('file-' || substr(md5(id), 1, 25)) FROM jobs WHERE tenant = $1 AND id = ANY($2::text[]) AND status = 'succeeded'`, [
        TENANT,
        chunk,
      ]);
      // The events: built in SQL, arriving in order (seq) job after job.
      await tx.query(
        `INSERT INTO job_events (tenant, job_id, event_id, type, created_at, record)
         SELECT j.tenant, j.id, 'ev-' || g, CASE WHEN g % 10 = 0 THEN 'message' ELSE 'metrics' END, j.created_at + g,
                jsonb_build_object('jobId', j.id, 'id', 'ev-' || g, 'level', 'info', 'created_at', j.created_at + g, 'received_at', (j.created_at + g) * 1000,
                  'type', CASE WHEN g % 10 = 0 THEN 'message' ELSE 'metrics' END,
                  'message', CASE WHEN g % 10 = 0 THEN 'Checkpoint saved at step ' || g ELSE 'Step ' || g || '/' || $3::int || ': training loss=' || round(2 / (1 + g / 50.0), 4) END,
                  'data', CASE WHEN g % 10 = 0 THEN NULL ELSE jsonb_build_object('step', g, 'total_steps', $3::int, 'train_loss', 2 / (1 + g / 50.0), 'train_mean_token_accuracy', 0.5,
                                                                                   'tokens_per_second', 25000, 'eta_seconds', $3::int - g, 'run_id', 'run-1') END)
           FROM jobs j CROSS JOIN generate_series(1, $3::int) AS g
          WHERE j.tenant = $1 AND j.id = ANY($2::text[])
          ORDER BY j.id, g`,
        [TENANT, chunk, events],
      );
    });
    if (jobs >= 5000) process.stdout.write(`\r  seeded ${Math.min(from + CHUNK, jobs)}/${jobs} jobs (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await db.query('ANALYZE');
  if (jobs >= 5000) process.stdout.write('\n');
  return ids;
}

function databaseReader(repository: JobRepository): Reader {
  const view = (v: JobView) => toOpenAiJob(v.record, v.status ? [v.status] : [], v.approvals, v.extras);
  return {
    // What JobsService.list, .events and .retrieve do (the job's existence checked first where they check it).
    listJobs: async () => (await repository.list(TENANT, { limit: LIMIT })).views.map(view),
    eventsPage: async (jobId, after) => {
      if (!(await repository.get(TENANT, jobId))) throw new Error(`no job ${jobId}`);
      return (await repository.eventsPage(TENANT, jobId, after, LIMIT)).events.map(toOpenAiEvent);
    },
    retrieve: async (jobId) => view((await repository.view(TENANT, jobId))!),
  };
}

// ---- the artifact-store layout before #17, and its reads --------------------------------------------------------------

const JOBS_PREFIX = 'gateway/jobs/';
const jobKey = (jobId: string) => `${JOBS_PREFIX}${jobId}/job.json`;
const statusPrefix = (jobId: string) => `${JOBS_PREFIX}${jobId}/status/`;
const eventsPrefix = (jobId: string) => `${JOBS_PREFIX}${jobId}/events/`;
const eventKey = (jobId: string, eventId: string) => `${eventsPrefix(jobId)}${createHash('sha256').update(eventId).digest('hex')}.json`;
const approvalsPrefix = (jobId: string) => `${JOBS_PREFIX}${jobId}/approvals/`;
const answerKey = (jobId: string, approvalId: string) => `${JOBS_PREFIX}${jobId}/answers/${approvalId}.json`;
const resultFilesKey = (jobId: string) => `${JOBS_PREFIX}${jobId}/result_files.json`;

async function seedStore(root: ArtifactStore, jobs: number, events: number): Promise<string[]> {
  const store = root.forTenant(TENANT);
  const ids = jobIds(jobs);
  const objects: Array<[string, unknown]> = [];
  ids.forEach((id, index) => {
    const createdAt = createdAtOf(index, jobs);
    objects.push([jobKey(id), jobRecord(id, createdAt, index)]);
    statusesOf(index).forEach((status, k) => objects.push([`${statusPrefix(id)}${status}.json`, statusRecord(id, status, createdAt + k)]));
    const approval = approvalOf(id, createdAt + 50);
    objects.push([`${approvalsPrefix(id)}${approval.approvalId}.json`, approval], [answerKey(id, approval.approvalId), answerOf(createdAt + 50)]);
    if (!isRunning(index)) objects.push([resultFilesKey(id), { file_ids: [`file-${createHash('md5').update(id).digest('hex').slice(0, 25)}`] }]);
    for (let g = 1; g <= events; g++) {
      const event = eventOf(id, g, createdAt, events);
      objects.push([eventKey(id, event.id), event]);
    }
  });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < objects.length) {
        const [key, value] = objects[next++];
        await store.put(key, JSON.stringify(value), { contentType: 'application/json' });
        if (next % 5000 === 0) process.stdout.write(`\r  ${next}/${objects.length} objects (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
    }),
  );
  process.stdout.write(`\r  ${objects.length} objects in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  return ids;
}

/** jobs.service.ts at d6d16c1, reduced to these reads: list keys, then get each object. */
function storeReader(root: ArtifactStore): Reader {
  const store = root.forTenant(TENANT);
  const readOne = async <T>(key: string): Promise<T | undefined> => {
    try {
      return (await store.getJson(key)) as T;
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return undefined;
      throw error;
    }
  };
  const readAll = async <T>(prefix: string): Promise<T[]> => {
    const keys: string[] = [];
    for await (const { key } of store.list(prefix)) if (key.endsWith('.json')) keys.push(key);
    const out: T[] = [];
    for (const key of keys) {
      const value = await readOne<T>(key);
      if (value !== undefined) out.push(value);
    }
    return out;
  };
  const view = async (record: JobRecord) => {
    const statuses = await readAll<StatusRecord>(statusPrefix(record.id));
    const status = currentStatus(statuses)?.status;
    const extras: JobExtras = {};
    if (status === 'succeeded') extras.resultFiles = (await readOne<{ file_ids: string[] }>(resultFilesKey(record.id)))?.file_ids ?? [];
    if (status === 'running') extras.latestMetrics = latestStepMetrics(await readAll<EventRecord>(eventsPrefix(record.id)));
    const requests = (await readAll<ApprovalRecord>(approvalsPrefix(record.id))).sort((a, b) => a.created_at - b.created_at || (a.approvalId < b.approvalId ? -1 : 1));
    const approvals = [];
    for (const request of requests) approvals.push(toApproval(request, await readOne<AnswerRecord>(answerKey(record.id, request.approvalId))));
    return toOpenAiJob(record, statuses, approvals, extras);
  };
  const requireJob = async (jobId: string) => {
    const record = await readOne<JobRecord>(jobKey(jobId));
    if (!record) throw new Error(`no job ${jobId}`);
    return record;
  };
  return {
    listJobs: async () => {
      const ids: string[] = [];
      for await (const { key } of store.list(JOBS_PREFIX)) {
        const id = /^gateway\/jobs\/([^/]+)\/job\.json$/.exec(key)?.[1];
        if (id) ids.push(id);
      }
      ids.sort().reverse();
      const data = [];
      for (const id of ids.slice(0, LIMIT)) data.push(await view((await readOne<JobRecord>(jobKey(id)))!));
      return data;
    },
    eventsPage: async (jobId, after) => {
      await requireJob(jobId);
      return page(sortEventsNewestFirst(await readAll<EventRecord>(eventsPrefix(jobId))).map(toOpenAiEvent), after, LIMIT);
    },
    retrieve: async (jobId) => view(await requireJob(jobId)),
  };
}

// ---- measuring -----------------------------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function measure(contender: Contender): Promise<Map<Operation, { p50: number; p99: number; n: number }>> {
  const pick = () => contender.ids[Math.floor(Math.random() * contender.ids.length)];
  // The middle of a job's events, newest first: the cursor is the event at position events/2.
  const middle = `ev-${Math.ceil(contender.events / 2)}`;
  const calls: Record<Operation, () => Promise<unknown>> = {
    'list jobs': () => contender.reader.listJobs(),
    'events, first page': () => contender.reader.eventsPage(pick(), undefined),
    'events, middle page': () => contender.reader.eventsPage(pick(), middle),
    'retrieve job': () => contender.reader.retrieve(pick()),
  };
  const results = new Map<Operation, { p50: number; p99: number; n: number }>();
  for (const operation of OPERATIONS) {
    for (let i = 0; i < WARM_UP; i++) await calls[operation]();
    const times: number[] = [];
    const deadline = performance.now() + STORE_BUDGET_MS;
    for (let i = 0; i < ITERATIONS && (!contender.budgeted || i < 5 || performance.now() < deadline); i++) {
      const start = performance.now();
      await calls[operation]();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    results.set(operation, { p50: percentile(times, 50), p99: percentile(times, 99), n: times.length });
  }
  return results;
}

async function databaseContender(name: string, open: () => Promise<Database>, jobs: number, events: number, close: (db: Database) => Promise<void>): Promise<Contender> {
  const db = await open();
  const t0 = performance.now();
  const ids = await seedDatabase(db, jobs, events);
  console.log(`${name} ${jobs}×${events}: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { name, size: `${jobs}×${events}`, jobs, events, ids, reader: databaseReader(new JobRepository(db)), budgeted: false, close: () => close(db) };
}

async function storeContender(name: string, store: ArtifactStore, jobs: number, events: number, close: () => Promise<void>): Promise<Contender> {
  console.log(`${name} ${jobs}×${events}: seeding the old layout`);
  const ids = await seedStore(store, jobs, events);
  return { name, size: `${jobs}×${events}`, jobs, events, ids, reader: storeReader(store), budgeted: true, close };
}

async function reachablePostgres(): Promise<string | undefined> {
  const url = env.TF_DATABASE_URL;
  if (!/^postgres(ql)?:\/\//.test(url)) return undefined;
  try {
    const probe = await openDatabase(url, { migrate: false, maxConnections: 1 });
    try {
      await probe.query('SELECT 1');
    } finally {
      await probe.close();
    }
    return url;
  } catch (error) {
    console.log(`Postgres at ${url.replace(/:[^:@/]*@/, ':***@')} not reachable (${(error as Error).message}): skipped`);
    return undefined;
  }
}

function minioConnection() {
  return { endpoint: env.TF_S3_ENDPOINT, accessKey: env.TF_S3_ACCESS_KEY, secretKey: env.TF_S3_SECRET_KEY, region: env.TF_S3_REGION || 'us-east-1' };
}

async function removeBucket(bucket: string): Promise<void> {
  const connection = minioConnection();
  const url = new URL(connection.endpoint);
  const client = new MinioClient({ endPoint: url.hostname, port: Number(url.port) || 80, useSSL: url.protocol === 'https:', accessKey: connection.accessKey, secretKey: connection.secretKey, region: connection.region, pathStyle: true });
  if (!(await client.bucketExists(bucket))) return;
  const names: string[] = [];
  for await (const item of client.listObjectsV2(bucket, '', true)) if (item.name) names.push(item.name);
  for (let i = 0; i < names.length; i += 1000) await client.removeObjects(bucket, names.slice(i, i + 1000));
  await client.removeBucket(bucket);
}

async function main(): Promise<void> {
  const objects = Array.from({ length: STORE_JOBS }, (_, i) => 1 + statusesOf(i).length + 2 + (isRunning(i) ? 0 : 1) + STORE_EVENTS).reduce((a, b) => a + b, 0);
  console.log(
    `metadata reads: database ${JOBS} jobs × ${EVENTS} events; old artifact-store layout ${STORE_JOBS} × ${STORE_EVENTS} (${objects} objects, one PUT each: ` +
      `${JOBS} × ${EVENTS} would be over ${JOBS * EVENTS} objects, hours to write), and the database at that size too; limit ${LIMIT}, ${ITERATIONS} iterations`,
  );
  const postgres = await reachablePostgres();
  const onServer = (size: string) => async () => {
    const schema = `bench_metadata_${size}_${randomUUID().slice(0, 8)}`;
    return openDatabase(postgres!, { schema });
  };
  const dropSchema = async (db: Database) => {
    await db.query(`DROP SCHEMA ${db.schema} CASCADE`);
    await db.close();
  };
  const pgliteDirs: string[] = [];
  const pglite = async () => {
    // On disk, as embedded mode keeps it (.tuneforge/metadata): 2M events do not fit PGlite's in-memory file system comfortably.
    const dir = mkdtempSync(join(tmpdir(), 'tf-bench-pglite-'));
    pgliteDirs.push(dir);
    return openDatabase(`pglite:${dir}`);
  };
  const closeOnly = (db: Database) => db.close();

  const results = new Map<string, Map<Operation, { p50: number; p99: number; n: number }>>();
  const run = async (make: () => Promise<Contender>) => {
    const contender = await make();
    try {
      results.set(`${contender.name} ${contender.size}`, await measure(contender));
    } finally {
      await contender.close();
    }
  };
  const fsDir = mkdtempSync(join(tmpdir(), 'tf-bench-store-'));
  const bucket = `tf-bench-metadata-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  try {
    await run(() => databaseContender('PGlite', pglite, JOBS, EVENTS, closeOnly));
    if (postgres) await run(() => databaseContender('Postgres', onServer('full'), JOBS, EVENTS, dropSchema));
    await run(() => databaseContender('PGlite', pglite, STORE_JOBS, STORE_EVENTS, closeOnly));
    if (postgres) await run(() => databaseContender('Postgres', onServer('small'), STORE_JOBS, STORE_EVENTS, dropSchema));
    await run(() => storeContender('filesystem store', new FilesystemArtifactStore(fsDir), STORE_JOBS, STORE_EVENTS, async () => rmSync(fsDir, { recursive: true, force: true })));
    const minio = new MinioArtifactStore({ ...minioConnection(), bucket });
    let minioUp = true;
    try {
      await minio.ping();
    } catch (error) {
      minioUp = false;
      console.log(`MinIO at ${minioConnection().endpoint} not reachable (${(error as Error).message}): skipped`);
    }
    if (minioUp) await run(() => storeContender('MinIO store', minio, STORE_JOBS, STORE_EVENTS, () => removeBucket(bucket)));
  } finally {
    for (const dir of pgliteDirs) rmSync(dir, { recursive: true, force: true });
  }

  const columns = [...results.keys()];
  const width = Math.max(22, ...columns.map((c) => c.length + 2));
  console.log(`\np50 / p99 ms (n: iterations)`);
  console.log(`${'operation'.padEnd(22)}${columns.map((c) => c.padStart(width)).join('')}`);
  for (const operation of OPERATIONS) {
    const cells = columns.map((column) => {
      const r = results.get(column)!.get(operation)!;
      return `${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} (${r.n})`.padStart(width);
    });
    console.log(`${operation.padEnd(22)}${cells.join('')}`);
  }

  const small = `${STORE_JOBS}×${STORE_EVENTS}`;
  const pairs: Array<[string, string]> = [[`filesystem store ${small}`, `PGlite ${small}`]];
  if (results.has(`MinIO store ${small}`)) pairs.push([`MinIO store ${small}`, results.has(`Postgres ${small}`) ? `Postgres ${small}` : `PGlite ${small}`]);
  console.log(`\nratio old layout p50 / database p50, same size (higher: the database is faster)`);
  for (const [store, database] of pairs) {
    const cells = OPERATIONS.map((operation) => `${operation} ${(results.get(store)!.get(operation)!.p50 / results.get(database)!.get(operation)!.p50).toFixed(1)}×`);
    console.log(`  ${store} / ${database}: ${cells.join(', ')}`);
  }
  const full = `${JOBS}×${EVENTS}`;
  for (const database of [`PGlite ${full}`, `Postgres ${full}`].filter((name) => results.has(name))) {
    const worst = Math.max(...OPERATIONS.map((operation) => results.get(database)!.get(operation)!.p50));
    console.log(`${database}: slowest p50 ${worst.toFixed(2)} ms (target <= 20 ms: ${worst <= 20 ? 'met' : 'NOT met'})`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
