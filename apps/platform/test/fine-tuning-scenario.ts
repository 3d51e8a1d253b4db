import { Model } from '@tuneforge/engine';
import type { ArtifactStore } from '@tuneforge/storage';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import OpenAI from 'openai';
import type { FineTuningJob, FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';
import { WORKSPACE_ROOT } from '../src/spawn-service';
import { registerTinyModel as registerTinyModelFrom } from '../src/tiny-base-model';

export const TINY_MODEL_DIR = join(WORKSPACE_ROOT, 'tools/tiny-model/models/tiny-llama');
const FIXTURES = join(WORKSPACE_ROOT, 'apps/trainer/test/fixtures');
const TERMINAL = ['succeeded', 'failed', 'cancelled'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A running deployment as a client sees it: the gateway's address and two tenants' keys. */
export interface ScenarioTarget {
  gatewayUrl: string;
  /** The tenant the job belongs to. */
  apiKey: string;
  /** Another tenant, who must see none of it. */
  otherApiKey: string;
}

/** The tiny model (its committed copy) registered as the tenant's base model `tiny-llama`, as the quick start does it. */
export async function registerTinyModel(store: ArtifactStore, tenant: string): Promise<void> {
  await registerTinyModelFrom(store, tenant, TINY_MODEL_DIR);
}

export function clientOf(target: ScenarioTarget, apiKey = target.apiKey): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${target.gatewayUrl}/v1`, maxRetries: 0, timeout: 60_000 });
}

/** A request to the gateway that the SDK has no method for (approvals, artifacts). */
export function api(target: ScenarioTarget, path: string, init: RequestInit = {}, apiKey = target.apiKey): Promise<Response> {
  return fetch(`${target.gatewayUrl}/v1${path}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
}

export interface JobOptions {
  epochs: number;
  /** A training file of the caller's; the trainer's small fixture otherwise. */
  trainingFile?: string;
  /** How the halfway "continue?" is answered: by a human through the API (`ask`) or at once by the policy. */
  halfway: 'ask' | 'approve';
}

/** Uploads the training and validation files with the SDK and creates a job on the tiny model. */
export async function createJob(target: ScenarioTarget, options: JobOptions): Promise<FineTuningJob> {
  const client = clientOf(target);
  const training = await client.files.create({ file: createReadStream(options.trainingFile ?? join(FIXTURES, 'train.jsonl')), purpose: 'fine-tune' });
  const validation = await client.files.create({ file: createReadStream(join(FIXTURES, 'validation.jsonl')), purpose: 'fine-tune' });
  expect(training).toMatchObject({ object: 'file', purpose: 'fine-tune', status: 'processed' });
  return client.fineTuning.jobs.create({
    model: 'tiny-llama',
    training_file: training.id,
    validation_file: validation.id,
    hyperparameters: { n_epochs: options.epochs, batch_size: 1, learning_rate_multiplier: 10 },
    seed: 3,
    // Tuneforge's extensions ride in the same request; the SDK passes unknown fields through. The job is
    // the fine-tuning itself: no evaluation round, one iteration.
    ...({ tuneforge: { approval_policy: { training_halfway: options.halfway }, evaluation: { enabled: false }, iteration_budget: 1 } } as object),
  });
}

/**
 * A training file long enough for a run with checkpoints inside it: the fixture's records `times` times over
 * (a step packs up to the job's sequence length, so more records mean more steps per epoch).
 */
export function repeatedTrainingFile(times: number): string {
  const records = readFileSync(join(FIXTURES, 'train.jsonl'), 'utf8').trim().split('\n');
  const path = join(mkdtempSync(join(tmpdir(), 'tf-e2e-data-')), 'train.jsonl');
  writeFileSync(path, `${Array.from({ length: times }, () => records.join('\n')).join('\n')}\n`);
  return path;
}

/** The run id the job's events name (`Training started (run <id>)`). */
export async function runIdOf(target: ScenarioTarget, jobId: string): Promise<string | undefined> {
  const { events } = await eventsByPages(target, jobId, 100);
  const started = events.find((event) => event.message.startsWith('Training started'));
  return started && /\(run ([^)]+)\)/.exec(started.message)?.[1];
}

/** Server-sent events as `GET .../events?stream=true` sends them, read until `[DONE]`. */
export class EventStream {
  readonly events: FineTuningJobEvent[] = [];
  done = false;
  readonly finished: Promise<void>;

  constructor(target: ScenarioTarget, jobId: string) {
    this.finished = this.read(target, jobId);
  }

  private async read(target: ScenarioTarget, jobId: string): Promise<void> {
    const response = await api(target, `/fine_tuning/jobs/${jobId}/events?stream=true`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!frame.startsWith('data: ')) continue;
        const data = frame.slice(6);
        if (data === '[DONE]') this.done = true;
        else this.events.push(JSON.parse(data) as FineTuningJobEvent);
      }
    }
  }
}

/** An approval as `GET /fine_tuning/jobs/{id}/approvals` lists it (the fields these scenarios check). */
export interface Approval {
  id: string;
  stage: string;
  status: 'pending' | 'answered';
  decision: string | null;
  answered_by: 'human' | 'policy' | null;
  options: string[];
  context: Record<string, unknown>;
}

export async function approvalsOf(target: ScenarioTarget, jobId: string): Promise<Approval[]> {
  const response = await api(target, `/fine_tuning/jobs/${jobId}/approvals`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: Approval[] }).data;
}

/**
 * Follows the job to its end as a user would: polls it, and answers every question it asks through the API
 * with `approve`. `during` runs beside it (a fault to inject); its failure fails the follow.
 */
export async function followToEnd(target: ScenarioTarget, jobId: string, timeoutMs: number, during?: () => Promise<void>): Promise<{ job: FineTuningJob; answered: string[] }> {
  const client = clientOf(target);
  const answered: string[] = [];
  const deadline = Date.now() + timeoutMs;
  let faultError: unknown;
  let faultDone = !during;
  void during?.().then(
    () => (faultDone = true),
    (error: unknown) => ((faultError = error), (faultDone = true)),
  );
  for (;;) {
    if (faultError) throw faultError;
    const job = await client.fineTuning.jobs.retrieve(jobId).catch((error: unknown) => {
      // A gateway busy past the SDK's timeout is retried on the next round; anything else is a failure.
      if (error instanceof OpenAI.APIConnectionTimeoutError) return undefined;
      throw error;
    });
    if (job && TERMINAL.includes(job.status)) {
      while (!faultDone) await sleep(200);
      if (faultError) throw faultError;
      return { job, answered };
    }
    for (const approval of await approvalsOf(target, jobId)) {
      if (approval.status !== 'pending' || answered.includes(approval.id)) continue;
      const response = await api(target, `/fine_tuning/jobs/${jobId}/approvals/${approval.id}`, { method: 'POST', body: JSON.stringify({ decision: 'approve', comment: 'looks good' }) });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: approval.id, status: 'answered', decision: 'approve', answered_by: 'human' });
      answered.push(approval.id);
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not end within ${timeoutMs} ms (status ${job?.status})`);
    await sleep(500);
  }
}

/** Every event, newest first, read page by page with the `after` cursor. */
export async function eventsByPages(target: ScenarioTarget, jobId: string, limit: number): Promise<{ events: FineTuningJobEvent[]; pages: number }> {
  const client = clientOf(target);
  const events: FineTuningJobEvent[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await client.fineTuning.jobs.listEvents(jobId, { limit, ...(after ? { after } : {}) });
    pages += 1;
    expect(page.data.length).toBeLessThanOrEqual(limit);
    events.push(...page.data);
    if (!page.has_more) return { events, pages };
    after = page.data.at(-1)!.id;
  }
}

/**
 * The job once it ended, polled every second; a failed request (a service or the database coming back after a fault)
 * is retried on the next round. `describe` adds context (the deployment's output) to the error past the deadline.
 */
export async function untilTerminal(target: ScenarioTarget, jobId: string, timeoutMs: number, describe: () => string = () => ''): Promise<FineTuningJob> {
  const client = clientOf(target);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.fineTuning.jobs.retrieve(jobId).catch(() => undefined);
    if (job && TERMINAL.includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not end within ${timeoutMs} ms (status ${job?.status})\n${describe()}`);
    await sleep(1000);
  }
}

/**
 * Every event, once the job's final event (`The job ...`) and a metrics event for every training step are
 * among them. The orchestrator reports the end status before that final event, and progress, completion
 * and status travel on different topics: a job can read `succeeded` a moment before its last events are
 * listed.
 */
export async function eventsAfterTheEnd(target: ScenarioTarget, jobId: string, timeoutMs = 60_000): Promise<FineTuningJobEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { events } = await eventsByPages(target, jobId, 100);
    const metrics = events.filter((event) => event.type === 'metrics').map((event) => event.data as { step: number; total_steps: number });
    const total = metrics[0]?.total_steps ?? 0;
    const allSteps = new Set(metrics.map((m) => m.step)).size >= total;
    if (events.some((event) => event.message.startsWith('The job ')) && allSteps) return events;
    if (Date.now() > deadline) {
      throw new Error(`job ${jobId}: no final event or not every step's metrics after ${timeoutMs} ms (${metrics.length} of ${total} steps): ${JSON.stringify(events.filter((e) => e.type !== 'metrics').map((e) => e.message))}`);
    }
    await sleep(500);
  }
}

/** The steps of the training metrics events (`Step n/N: training loss=...`), oldest first. */
export function metricSteps(eventsNewestFirst: readonly FineTuningJobEvent[]): number[] {
  return [...eventsNewestFirst]
    .reverse()
    .filter((event) => event.type === 'metrics')
    .map((event) => (event.data as { step: number }).step);
}

/** How many events carry a message starting with `prefix`: a stage that ran twice says so twice. */
export function countMessages(events: readonly FineTuningJobEvent[], prefix: string): number {
  return events.filter((event) => event.message.startsWith(prefix)).length;
}

interface ArtifactFile {
  path: string;
  bytes: number;
  sha256: string;
}
interface JobArtifact {
  object: string;
  name: string;
  kind: string;
  fine_tuning_job_id: string;
  bytes: number;
  files: ArtifactFile[];
}

/** Downloads a job's artifact file by file through the gateway, checking each file's size and sha256. */
export async function downloadArtifact(target: ScenarioTarget, jobId: string, artifact: JobArtifact, into: string): Promise<string> {
  const dir = join(into, artifact.name);
  for (const file of artifact.files) {
    const response = await api(target, `/fine_tuning/jobs/${jobId}/artifacts/${artifact.name}/files/${encodeURIComponent(file.path)}`);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect({ path: file.path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual(file);
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), bytes);
  }
  return dir;
}

/** Largest absolute difference of two logit arrays of the same shape. */
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
}

/**
 * The acceptance scenario of a fine-tuning job, the same in every deployment: upload, create, follow the
 * events streamed and paginated to `succeeded` while answering the halfway question through the API,
 * list checkpoints, download the adapter and the merged model, load them into the engine.
 */
export async function runFineTuningScenario(target: ScenarioTarget): Promise<void> {
  const client = clientOf(target);
  const other = clientOf(target, target.otherApiKey);
  const created = await createJob(target, { epochs: 10, halfway: 'ask' });
  expect(created).toMatchObject({ object: 'fine_tuning.job', model: 'tiny-llama', status: 'validating_files', fine_tuned_model: null });
  const stream = new EventStream(target, created.id);
  await expect(other.fineTuning.jobs.retrieve(created.id)).rejects.toMatchObject({ status: 404 });

  const { job, answered } = await followToEnd(target, created.id, 300_000);
  if (job.status !== 'succeeded') throw new Error(`expected the job to succeed: ${JSON.stringify(job)}`);
  // The model goes by its ft: name (no suffix was asked for), listed among the tenant's models and no one else's.
  expect(job.fine_tuned_model).toMatch(/^ft:tiny-llama:[a-z0-9-]+::[a-z0-9]{8}$/);
  expect((await client.models.retrieve(job.fine_tuned_model!)).id).toBe(job.fine_tuned_model);
  await expect(other.models.retrieve(job.fine_tuned_model!)).rejects.toMatchObject({ status: 404 });

  // The halfway question was asked and answered by a human through the API, once.
  const approvals = await approvalsOf(target, created.id);
  const halfway = approvals.filter((approval) => approval.stage === 'training_halfway');
  expect(halfway).toHaveLength(1);
  expect(halfway[0]).toMatchObject({ status: 'answered', decision: 'approve', answered_by: 'human', options: ['approve', 'reject'] });
  expect(answered).toContain(halfway[0].id);

  // The stream ended with [DONE] once the job had; it carried the events oldest first, every one of them
  // but (at most) the final event, which can be listed a moment after the status (see eventsAfterTheEnd).
  await stream.finished;
  expect(stream.done).toBe(true);
  const all = { data: await eventsAfterTheEnd(target, created.id) };
  const oldestFirst = [...all.data].reverse().map((event) => event.id);
  const streamed = stream.events.map((event) => event.id);
  expect(streamed).toEqual(oldestFirst.slice(0, streamed.length));
  expect(oldestFirst.length - streamed.length).toBeLessThanOrEqual(1);
  expect(stream.events.some((event) => event.message.startsWith('Training completed'))).toBe(true);

  // Pages of 4 following `after` give the same events as one big page, newest first.
  const paged = await eventsByPages(target, created.id, 4);
  expect(paged.events.map((event) => event.id)).toEqual(all.data.map((event) => event.id));
  expect(paged.pages).toBeGreaterThan(3);
  const times = all.data.map((event) => event.created_at);
  expect(times).toEqual([...times].sort((x, y) => y - x));
  for (const stage of ['Data prepared', 'Training started', 'Training paused at step', 'Continuing was approved by a human', 'Training completed', 'The job has successfully completed']) {
    expect({ stage, count: countMessages(all.data, stage) }).toEqual({ stage, count: 1 });
  }
  const steps = metricSteps(all.data);
  expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  expect(steps.length).toBeGreaterThanOrEqual(10);

  // Checkpoints, newest first, with OpenAI's metrics fields (the validation file gives a validation loss).
  const checkpoints = (await client.fineTuning.jobs.checkpoints.list(created.id)).data;
  expect(checkpoints.length).toBeGreaterThan(0);
  expect(checkpoints[0]).toMatchObject({ object: 'fine_tuning.job.checkpoint', fine_tuning_job_id: created.id, step_number: steps.length });
  for (const checkpoint of checkpoints) {
    expect(checkpoint.id).toMatch(/^ftckpt-/);
    expect(checkpoint.metrics.step).toBe(checkpoint.step_number);
    expect(Number.isFinite(checkpoint.metrics.train_loss)).toBe(true);
    expect(Number.isFinite(checkpoint.metrics.valid_loss)).toBe(true);
  }

  // Artifacts: the merged model, the adapter and the GGUF export, downloadable by their owner only.
  const listed = await api(target, `/fine_tuning/jobs/${created.id}/artifacts`);
  expect(listed.status).toBe(200);
  const artifacts = ((await listed.json()) as { data: JobArtifact[] }).data;
  expect(artifacts.map((artifact) => [artifact.name, artifact.kind]).sort()).toEqual([
    ['adapter', 'peft-adapter'],
    ['gguf', 'gguf'],
    ['merged', 'model'],
  ]);
  expect((await api(target, `/fine_tuning/jobs/${created.id}/artifacts`, {}, target.otherApiKey)).status).toBe(404);
  expect((await api(target, `/fine_tuning/jobs/${created.id}/artifacts/merged/files/config.json`, {}, target.otherApiKey)).status).toBe(404);
  expect((await api(target, `/fine_tuning/jobs/${created.id}/artifacts/no-such-artifact`)).status).toBe(404);
  expect((await api(target, `/fine_tuning/jobs/${created.id}/artifacts/merged/files/${encodeURIComponent('../../job.json')}`)).status).toBe(404);
  const scratch = mkdtempSync(join(tmpdir(), 'tf-e2e-download-'));
  const adapterDir = await downloadArtifact(target, created.id, artifacts.find((artifact) => artifact.name === 'adapter')!, scratch);
  const mergedDir = await downloadArtifact(target, created.id, artifacts.find((artifact) => artifact.name === 'merged')!, scratch);

  // The merged model, loaded back into the engine, gives the logits of the base model with the adapter
  // applied, and they moved away from the base model's.
  const trained = await Model.load(TINY_MODEL_DIR, { threads: 1 });
  const merged = await Model.load(mergedDir, { threads: 1 });
  const base = await Model.load(TINY_MODEL_DIR, { threads: 1 });
  try {
    await trained.attachAdapter(adapterDir);
    const ids = [[1, 5, 17, 42, 99, 3, 250, 7]];
    const [withAdapter, fromMerged, fromBase] = [await trained.forward(ids), await merged.forward(ids), await base.forward(ids)];
    expect(maxAbsDiff(withAdapter, fromMerged)).toBeLessThan(1e-4);
    expect(maxAbsDiff(withAdapter, fromBase)).toBeGreaterThan(1e-3);
  } finally {
    for (const model of [trained, merged, base]) model.dispose();
  }
}
