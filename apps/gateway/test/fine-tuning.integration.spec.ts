import { fineTunedModelName, MODEL_ARTIFACT_KIND, modelArtifactPrefix } from '@tuneforge/contracts';
import { service as datagen } from '@tuneforge/datagen';
import { service as orchestrator } from '@tuneforge/orchestrator';
import { startEmbeddedDeployment, type EmbeddedDeployment } from '@tuneforge/service-kit';
import { commitLocalDirectory, DatabaseModelRecords, FilesystemArtifactStore, ModelRegistry, openArtifact } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { service as trainer } from '@tuneforge/trainer';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { service as gateway } from '../src/service';
import { KEY_A, KEY_B } from './gateway-harness';

const TINY_MODEL_DIR = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');
const TRAINER_FIXTURES = resolve(__dirname, '../../trainer/test/fixtures');
const TENANT_A = 'tenant-a';

const terminal = ['succeeded', 'failed', 'cancelled'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Gateway, orchestrator, datagen and trainer over the in-process bus and a filesystem store, driven with the
 * official `openai` SDK as a user would: upload, create, follow, approve the halfway question, succeed.
 */
describe('fine-tuning jobs through the gateway (embedded: gateway + orchestrator + datagen + trainer)', () => {
  let deployment: EmbeddedDeployment;
  let url: string;
  let a: OpenAI;
  let b: OpenAI;
  let dir: string;

  // One deployment for every test, as a running platform is: later jobs' messages share the bus partitions of
  // earlier tests' jobs (a consumer group left behind on one of them once hung the jobs that came after).
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tf-gateway-jobs-'));
    const store = new FilesystemArtifactStore(dir);
    // Base models are committed model artifacts at models/<name>/ in the tenant's store.
    await commitLocalDirectory(store.forTenant(TENANT_A), modelArtifactPrefix('tiny-llama'), TINY_MODEL_DIR, { kind: MODEL_ARTIFACT_KIND, metadata: { name: 'tiny-llama' } });
    deployment = await startEmbeddedDeployment([gateway, orchestrator, datagen, trainer], {
      store,
      logger: createLogger('gateway-jobs-test', { level: 'warn' }),
      host: '127.0.0.1',
      basePort: 0,
      env: {
        TF_API_KEYS: `${KEY_A}:${TENANT_A},${KEY_B}:tenant-b`,
        TF_RATE_LIMIT_PER_MINUTE: '100000',
        TF_TRAIN_POD_THREADS: '1',
        TF_TRAIN_POD_LOGS: 'false',
        TF_TRAIN_POD_ENV: JSON.stringify({ TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: dir }),
      },
    });
    url = deployment.apps.get('gateway')!.url;
    a = new OpenAI({ apiKey: KEY_A, baseURL: `${url}/v1`, maxRetries: 0 });
    b = new OpenAI({ apiKey: KEY_B, baseURL: `${url}/v1`, maxRetries: 0 });
  });

  afterAll(() => deployment?.close());

  const upload = (name: string) => a.files.create({ file: createReadStream(join(TRAINER_FIXTURES, name)), purpose: 'fine-tune' });

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 240_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(300);
    }
  }

  const api = (path: string, init: RequestInit = {}, key = KEY_A) =>
    fetch(`${url}/v1${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

  it('runs a job to succeeded: halfway approval answered through the API, events paginated, other tenants see nothing', async () => {
    const training = await upload('train.jsonl');
    const validation = await upload('validation.jsonl');
    const created = await a.fineTuning.jobs.create({
      model: 'tiny-llama',
      training_file: training.id,
      validation_file: validation.id,
      hyperparameters: { n_epochs: 6, batch_size: 1, learning_rate_multiplier: 10 },
      seed: 3,
      metadata: { purpose: 'integration' },
      // The evaluator is not part of this deployment: the job ends with training. A human is asked at halfway.
      ...({ tuneforge: { evaluation: { enabled: false }, approval_policy: { training_halfway: 'ask' } } } as object),
    });
    expect(created).toMatchObject({
      object: 'fine_tuning.job',
      model: 'tiny-llama',
      status: 'validating_files',
      training_file: training.id,
      validation_file: validation.id,
      fine_tuned_model: null,
      result_files: [],
      error: null,
      seed: 3,
      metadata: { purpose: 'integration' },
      hyperparameters: { n_epochs: 6, batch_size: 1, learning_rate_multiplier: 10 },
    });
    expect(created.id).toMatch(/^ftjob-/);
    expect(await a.fineTuning.jobs.retrieve(created.id)).toMatchObject({ id: created.id });

    // Another tenant: the job does not exist.
    await expect(b.fineTuning.jobs.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(b.fineTuning.jobs.cancel(created.id)).rejects.toMatchObject({ status: 404 });
    expect((await api(`/fine_tuning/jobs/${created.id}/approvals`, {}, KEY_B)).status).toBe(404);
    expect((await b.fineTuning.jobs.list()).data.map((j) => j.id)).not.toContain(created.id);
    expect((await a.fineTuning.jobs.list()).data.map((j) => j.id)).toContain(created.id);

    const approval = await until('the halfway approval', async () => {
      const job = await a.fineTuning.jobs.retrieve(created.id);
      if (terminal.includes(job.status)) throw new Error(`the job ended before asking: ${JSON.stringify(job)}`);
      const list = (await (await api(`/fine_tuning/jobs/${created.id}/approvals`)).json()) as { data: Array<{ id: string; status: string; stage: string; options: string[] }> };
      return list.data.find((x) => x.status === 'pending');
    });
    expect(approval).toMatchObject({ stage: 'training_halfway', options: ['approve', 'reject'], decision_on_timeout: 'approve' });
    // The job object says what it waits for (a plain OpenAI client sees it there), and when it is decided anyway.
    const waiting = (await a.fineTuning.jobs.retrieve(created.id)) as unknown as { status: string; status_details: { waiting_for: string; approval: { id: string; decide_at: number } } };
    expect(waiting).toMatchObject({ status: 'running', status_details: { waiting_for: 'approval', approval: { id: approval.id } } });
    expect(waiting.status_details.approval.decide_at).toBeGreaterThan(Date.now() / 1000 + 3000);
    // While it runs, estimated_finish is the latest step's time plus its ETA.
    const running = await a.fineTuning.jobs.retrieve(created.id);
    expect(running.estimated_finish).toEqual(expect.any(Number));
    expect(running.estimated_finish!).toBeGreaterThanOrEqual(running.created_at);

    // A decision that is not an option names the field; the first answer counts, a second one is a 409.
    const bad = await api(`/fine_tuning/jobs/${created.id}/approvals/${approval.id}`, { method: 'POST', body: JSON.stringify({ decision: 'maybe' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('decision');
    const answered = await api(`/fine_tuning/jobs/${created.id}/approvals/${approval.id}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
    expect(answered.status).toBe(200);
    expect(await answered.clone().json()).toMatchObject({ id: approval.id, status: 'answered', decision: 'approve', answered_by: 'human' });
    const firstAnswer = (await answered.json()) as { answered_at: number };
    const retried = await api(`/fine_tuning/jobs/${created.id}/approvals/${approval.id}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ decision: 'approve', answered_at: firstAnswer.answered_at });
    const contradicting = await api(`/fine_tuning/jobs/${created.id}/approvals/${approval.id}`, { method: 'POST', body: JSON.stringify({ decision: 'reject' }) });
    expect(contradicting.status).toBe(409);
    expect(((await contradicting.json()) as { error: { param: string } }).error.param).toBe('approval_id');

    const done = await until('the end of the job', async () => {
      const job = await a.fineTuning.jobs.retrieve(created.id);
      return terminal.includes(job.status) ? job : undefined;
    });
    if (done.status !== 'succeeded') throw new Error(`expected success: ${JSON.stringify(done)}`);
    // The tuned model goes by OpenAI's ft: name, which the registry maps to the job's merged model.
    expect(done.fine_tuned_model).toBe(fineTunedModelName({ base: 'tiny-llama', owner: TENANT_A, jobId: created.id }));
    expect(done.finished_at).toEqual(expect.any(Number));
    expect(done.estimated_finish).toBeNull();
    // The legacy hyperparameters are echoed as requested, and under OpenAI's method with the values resolved.
    expect(done.method).toEqual({ type: 'supervised', supervised: { hyperparameters: { n_epochs: 6, batch_size: 1, learning_rate_multiplier: 10 } } });
    const named = await new ModelRegistry(new FilesystemArtifactStore(dir).forTenant(TENANT_A), TENANT_A, new DatabaseModelRecords(deployment.database!)).resolve(done.fine_tuned_model!);
    expect(named?.artifact).toMatch(new RegExp(`^jobs/${created.id}/training/run-[0-9a-f]+/merged$`));
    expect((await openArtifact(new FilesystemArtifactStore(dir).forTenant(TENANT_A), named!.artifact)).manifest.kind).toBe('model');

    // Artifacts: the merged model, the adapter and the GGUF export, listed with their files and downloadable by their owner.
    const listed = (await (await api(`/fine_tuning/jobs/${created.id}/artifacts`)).json()) as { data: Array<{ name: string; kind: string; files: Array<{ path: string; bytes: number; sha256: string }> }> };
    expect(listed.data.map((x) => `${x.name}:${x.kind}`).sort()).toEqual(['adapter:peft-adapter', 'gguf:gguf', 'merged:model']);
    const merged = listed.data.find((x) => x.name === 'merged')!;
    expect(await (await api(`/fine_tuning/jobs/${created.id}/artifacts/merged`)).json()).toMatchObject({ object: 'fine_tuning.job.artifact', name: 'merged', kind: 'model', files: merged.files });
    const config = merged.files.find((f) => f.path === 'config.json')!;
    const download = await api(`/fine_tuning/jobs/${created.id}/artifacts/merged/files/config.json`);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({ bytes: config.bytes, sha256: config.sha256 });
    expect((await api(`/fine_tuning/jobs/${created.id}/artifacts`, {}, KEY_B)).status).toBe(404);
    expect((await api(`/fine_tuning/jobs/${created.id}/artifacts/merged/files/config.json`, {}, KEY_B)).status).toBe(404);
    expect((await api(`/fine_tuning/jobs/${created.id}/artifacts/checkpoints`)).status).toBe(404);
    expect((await api(`/fine_tuning/jobs/${created.id}/artifacts/merged/files/MANIFEST.json`)).status).toBe(404);

    // Checkpoints: at least the last step's, newest first, with OpenAI's metrics fields.
    const checkpoints = await until('the checkpoints', async () => {
      const list = await a.fineTuning.jobs.checkpoints.list(created.id);
      return list.data.length > 0 ? list.data : undefined;
    });
    expect(checkpoints[0]).toMatchObject({ object: 'fine_tuning.job.checkpoint', fine_tuning_job_id: created.id, metrics: { step: checkpoints[0].step_number } });
    expect(checkpoints[0].id).toMatch(/^ftckpt-/);
    expect(checkpoints[0].fine_tuned_model_checkpoint).toBe(`${done.fine_tuned_model}:ckpt-step-${checkpoints[0].step_number}`);
    expect(checkpoints.map((c) => c.step_number)).toEqual([...checkpoints.map((c) => c.step_number)].sort((x, y) => y - x));
    await expect(b.fineTuning.jobs.checkpoints.list(created.id)).rejects.toMatchObject({ status: 404 });

    // Events: newest first, in pages of 3 following `after`, the same as one big page.
    const all = await until('the final event', async () => {
      const page = await a.fineTuning.jobs.listEvents(created.id, { limit: 100 });
      return page.data.some((e) => e.message.startsWith('The job ')) ? page.data : undefined;
    });
    const paged: string[] = [];
    let pageCount = 0;
    for await (const event of a.fineTuning.jobs.listEvents(created.id, { limit: 3 })) {
      paged.push(event.id);
      if (paged.length % 3 === 1) pageCount++;
    }
    expect(paged).toEqual(all.map((e) => e.id));
    expect(pageCount).toBeGreaterThan(2);
    const first = await a.fineTuning.jobs.listEvents(created.id, { limit: 3 });
    expect(first.has_more).toBe(true);
    expect(first.data).toHaveLength(3);
    const createdAt = all.map((e) => e.created_at);
    expect(createdAt).toEqual([...createdAt].sort((x, y) => y - x));
    // Metrics events in OpenAI's names (plus what the CLI reads); the checkpoint steps measured the validation loss.
    const metrics = all.filter((e) => e.type === 'metrics').map((e) => e.data as Record<string, number>);
    const totalSteps = metrics[0].total_steps;
    expect(metrics.map((m) => m.step).sort((x, y) => x - y)).toEqual(Array.from({ length: totalSteps }, (_, i) => i + 1));
    expect(metrics.every((m) => Number.isFinite(m.train_loss) && Number.isFinite(m.tokens_per_second) && Number.isFinite(m.eta_seconds))).toBe(true);
    // Token accuracy: a share of the step's labeled tokens, measured by the engine (not a constant).
    expect(metrics.every((m) => m.train_mean_token_accuracy >= 0 && m.train_mean_token_accuracy <= 1)).toBe(true);
    const validated = metrics.filter((m) => typeof m.valid_loss === 'number');
    expect(validated.map((m) => m.step)).toContain(totalSteps);
    expect(validated.every((m) => m.full_valid_loss === m.valid_loss && m.full_valid_mean_token_accuracy === m.valid_mean_token_accuracy)).toBe(true);
    expect(validated.every((m) => m.valid_mean_token_accuracy >= 0 && m.valid_mean_token_accuracy <= 1)).toBe(true);
    expect(checkpoints[0].metrics).toMatchObject({
      step: totalSteps,
      valid_loss: expect.any(Number),
      full_valid_loss: expect.any(Number),
      train_mean_token_accuracy: expect.any(Number),
      valid_mean_token_accuracy: expect.any(Number),
    });

    // result_files: one file id, the step-metrics CSV, listed and readable with the Files API, one row per step.
    expect(done.result_files).toHaveLength(1);
    const resultFile = await a.files.retrieve(done.result_files[0]);
    expect(resultFile).toMatchObject({ purpose: 'fine-tune-results', filename: 'step_metrics.csv' });
    expect((await a.files.list({ purpose: 'fine-tune-results' })).data.map((f) => f.id)).toContain(resultFile.id);
    const csv = (await (await a.files.content(resultFile.id)).text()).trim().split('\n');
    expect(csv[0]).toBe('step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy');
    expect(csv.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(Array.from({ length: totalSteps }, (_, i) => i + 1));
    const last = csv.at(-1)!.split(',');
    expect(Number(last[1])).toBeCloseTo(metrics.find((m) => m.step === totalSteps)!.train_loss, 6);
    expect(Number(last[2])).toBeCloseTo(metrics.find((m) => m.step === totalSteps)!.train_mean_token_accuracy, 6);
    expect(Number(last[3])).toBeCloseTo(metrics.find((m) => m.step === totalSteps)!.valid_loss, 6);
    expect(Number(last[4])).toBeCloseTo(metrics.find((m) => m.step === totalSteps)!.valid_mean_token_accuracy, 6);
    await expect(b.files.content(resultFile.id)).rejects.toMatchObject({ status: 404 });
    expect(all.filter((e) => e.message.startsWith('Continuing was approved'))).toHaveLength(1);

    // The stream replays every event, oldest first, and ends once the job has ended.
    const stream = await (await api(`/fine_tuning/jobs/${created.id}/events?stream=true`)).text();
    const streamed = stream
      .split('\n\n')
      .filter((chunk) => chunk.startsWith('data: {'))
      .map((chunk) => (JSON.parse(chunk.slice(6)) as { id: string }).id);
    expect(streamed).toEqual([...all.map((e) => e.id)].reverse());
    expect(stream.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('models: the base and the tuned model are listed per tenant, a tuned model is tuned again by its name, and deleted', async () => {
    const training = await upload('train.jsonl');
    const first = await a.fineTuning.jobs.create({ model: 'tiny-llama', training_file: training.id, suffix: 'first', hyperparameters: { n_epochs: 1, batch_size: 1 } });
    const tuned = await until('the first job', async () => {
      const job = await a.fineTuning.jobs.retrieve(first.id);
      return terminal.includes(job.status) ? job : undefined;
    }, 120_000).catch(async (error: Error) => {
      const events = (await a.fineTuning.jobs.listEvents(first.id, { limit: 100 })).data.map((e) => e.message);
      throw new Error(`${error.message}: ${JSON.stringify(await a.fineTuning.jobs.retrieve(first.id))} ${events.join(' | ')}`);
    });
    expect(tuned).toMatchObject({ status: 'succeeded', fine_tuned_model: expect.stringMatching(/^ft:tiny-llama:tenant-a:first:[a-z0-9]{8}$/) });
    const name = tuned.fine_tuned_model!;
    const listed = (await a.models.list()).data;
    expect(listed.map((m) => m.id)).toEqual(expect.arrayContaining(['tiny-llama', name]));
    expect(await a.models.retrieve(name)).toEqual({ id: name, object: 'model', created: expect.any(Number), owned_by: TENANT_A });
    // Another tenant knows neither model, nor may it tune from them.
    expect((await b.models.list()).data.map((m) => m.id)).not.toContain(name);
    await expect(b.models.retrieve(name)).rejects.toMatchObject({ status: 404, param: 'model' });
    const trainingB = await b.files.create({ file: createReadStream(join(TRAINER_FIXTURES, 'train.jsonl')), purpose: 'fine-tune' });
    await expect(b.fineTuning.jobs.create({ model: name, training_file: trainingB.id })).rejects.toMatchObject({ status: 404, param: 'model' });

    // Continued fine-tuning: the tuned model is the next job's base, and its model keeps the root base's name.
    const second = await a.fineTuning.jobs.create({ model: name, training_file: training.id, suffix: 'second', hyperparameters: { n_epochs: 1, batch_size: 1 } });
    const again = await until('the second job', async () => {
      const job = await a.fineTuning.jobs.retrieve(second.id);
      return terminal.includes(job.status) ? job : undefined;
    });
    expect(again).toMatchObject({ status: 'succeeded', model: name, fine_tuned_model: expect.stringMatching(/^ft:tiny-llama:tenant-a:second:[a-z0-9]{8}$/) });

    await expect(a.models.delete('tiny-llama')).rejects.toMatchObject({ status: 400, param: 'model' });
    expect(await a.models.delete(name)).toEqual({ id: name, object: 'model', deleted: true });
    await expect(a.models.retrieve(name)).rejects.toMatchObject({ status: 404 });
  }, 300_000);

  it("OpenAI's method object trains and is echoed; list filters on metadata[key]=value", async () => {
    const training = await upload('train.jsonl');
    const tag = `m-${Date.now()}`;
    const created = await a.fineTuning.jobs.create({
      model: 'tiny-llama',
      training_file: training.id,
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } },
      metadata: { tag, kind: 'method' },
    });
    expect(created.method).toMatchObject({ type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: expect.any(Number), learning_rate_multiplier: 1 } } });
    expect(created.hyperparameters).toMatchObject({ n_epochs: 2 });
    const done = await until('the method job', async () => {
      const job = await a.fineTuning.jobs.retrieve(created.id);
      return terminal.includes(job.status) ? job : undefined;
    }, 120_000).catch(async (error: Error) => {
      const events = (await a.fineTuning.jobs.listEvents(created.id, { limit: 100 })).data.map((e) => e.message);
      throw new Error(`${error.message}: ${JSON.stringify(await a.fineTuning.jobs.retrieve(created.id))} ${events.join(' | ')}`);
    });
    expect(done).toMatchObject({ status: 'succeeded', method: created.method });
    const other = await a.fineTuning.jobs.create({ model: 'tiny-llama', training_file: training.id, hyperparameters: { n_epochs: 1 }, metadata: { tag, kind: 'legacy' } });

    // The SDK sends metadata[key]=value; every pair given must match.
    expect((await a.fineTuning.jobs.list({ metadata: { tag } })).data.map((j) => j.id).sort()).toEqual([created.id, other.id].sort());
    expect((await a.fineTuning.jobs.list({ metadata: { tag, kind: 'method' } })).data.map((j) => j.id)).toEqual([created.id]);
    expect((await a.fineTuning.jobs.list({ metadata: { tag: 'none' } })).data).toEqual([]);
    expect((await b.fineTuning.jobs.list({ metadata: { tag } })).data).toEqual([]);
    const raw = (await (await api(`/fine_tuning/jobs?metadata%5Bkind%5D=legacy&metadata%5Btag%5D=${tag}&limit=5`)).json()) as { data: Array<{ id: string }> };
    expect(raw.data.map((j) => j.id)).toEqual([other.id]);
    // The second job was only needed for the filter: cancelled, it ends at once whatever stage it reached.
    await a.fineTuning.jobs.cancel(other.id);
    const ended = await until('the legacy job', async () => {
      const job = await a.fineTuning.jobs.retrieve(other.id);
      return terminal.includes(job.status) ? job : undefined;
    }, 120_000).catch(async (error: Error) => {
      const events = (await a.fineTuning.jobs.listEvents(other.id, { limit: 100 })).data.map((e) => e.message);
      throw new Error(`${error.message}: ${JSON.stringify(await a.fineTuning.jobs.retrieve(other.id))} ${events.join(' | ')}`);
    });
    expect(ended.status).toBe('cancelled');
  }, 300_000);

  it('a cancel while the job waits for its approval ends it cancelled', async () => {
    const training = await upload('train.jsonl');
    const job = await a.fineTuning.jobs.create({
      model: 'tiny-llama',
      training_file: training.id,
      hyperparameters: { n_epochs: 6, batch_size: 1 },
      ...({ tuneforge: { evaluation: { enabled: false }, approval_policy: { training_halfway: 'ask' } } } as object),
    });
    await until('the halfway approval', async () => {
      const list = (await (await api(`/fine_tuning/jobs/${job.id}/approvals`)).json()) as { data: unknown[] };
      return list.data.length > 0 ? list.data : undefined;
    });
    expect(await a.fineTuning.jobs.cancel(job.id)).toMatchObject({ id: job.id, object: 'fine_tuning.job' });
    const done = await until('the end of the job', async () => {
      const current = await a.fineTuning.jobs.retrieve(job.id);
      return terminal.includes(current.status) ? current : undefined;
    });
    expect(done.status).toBe('cancelled');
    expect(done.fine_tuned_model).toBeNull();
    // A job that did not succeed has no artifacts to download.
    expect(await (await api(`/fine_tuning/jobs/${job.id}/artifacts`)).json()).toMatchObject({ object: 'list', data: [] });
  });

  it('refuses bad creates naming the field: wrong types, server-owned fields, unknown files and models', async () => {
    const training = await upload('train.jsonl');
    const expectParam = async (body: Record<string, unknown>, status: number, param: string) => {
      const response = await api('/fine_tuning/jobs', { method: 'POST', body: JSON.stringify(body) });
      const json = (await response.json()) as { error: { param: string; type: string } };
      expect({ status: response.status, param: json.error.param }).toEqual({ status, param });
    };
    await expectParam({ model: 'tiny-llama', training_file: training.id, hyperparameters: { n_epochs: 'many' } }, 400, 'hyperparameters.n_epochs');
    await expectParam({ model: 'tiny-llama', training_file: training.id, status: 'succeeded' }, 400, 'status');
    await expectParam({ model: 'tiny-llama', training_file: training.id, tuneforge: { colour: 'red' } }, 400, 'tuneforge.colour');
    await expectParam({ model: 'tiny-llama', training_file: 'file-doesnotexist' }, 400, 'training_file');
    await expectParam({ model: 'tiny-llama', training_file: training.id, validation_file: 'file-nope' }, 400, 'validation_file');
    await expectParam({ model: 'no-such-model', training_file: training.id }, 404, 'model');
    // Another tenant's file is as unknown as no file.
    const other = await b.files.create({ file: createReadStream(join(TRAINER_FIXTURES, 'train.jsonl')), purpose: 'fine-tune' });
    await expectParam({ model: 'tiny-llama', training_file: other.id }, 400, 'training_file');
    await expect(a.fineTuning.jobs.create({ model: 'tiny-llama', training_file: training.id, hyperparameters: { batch_size: -1 } })).rejects.toMatchObject({ status: 400, param: 'hyperparameters.batch_size' });
    await expect(a.fineTuning.jobs.retrieve('ftjob-doesnotexist')).rejects.toMatchObject({ status: 404 });

    // method: reinforcement without its grader, a mismatched sub-object or a bad beta is named, and
    // contradicting legacy and method hyperparameters are refused.
    await expectParam({ model: 'tiny-llama', training_file: training.id, method: { type: 'reinforcement' } }, 400, 'method.reinforcement.grader');
    await expectParam({ model: 'tiny-llama', training_file: training.id, method: { type: 'dpo', dpo: { hyperparameters: { beta: 0 } } } }, 400, 'method.dpo.hyperparameters.beta');
    await expectParam({ model: 'tiny-llama', training_file: training.id, method: { type: 'dpo', dpo: { hyperparameters: { beta: -0.5 } } } }, 400, 'method.dpo.hyperparameters.beta');
    await expectParam({ model: 'tiny-llama', training_file: training.id, method: { type: 'supervised', dpo: {} } }, 400, 'method.type');
    await expectParam({ model: 'tiny-llama', training_file: training.id, method: { type: 'dpo', supervised: { hyperparameters: { n_epochs: 1 } } } }, 400, 'method.type');
    await expectParam(
      { model: 'tiny-llama', training_file: training.id, hyperparameters: { n_epochs: 2 }, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 3 } } } },
      400,
      'method.supervised.hyperparameters.n_epochs',
    );
    // integrations: W&B cannot be reached; the error points to the OpenTelemetry route.
    await expect(
      a.fineTuning.jobs.create({ model: 'tiny-llama', training_file: training.id, integrations: [{ type: 'wandb', wandb: { project: 'p' } }] }),
    ).rejects.toMatchObject({ status: 400, param: 'integrations', message: expect.stringContaining('OpenTelemetry') });
  });
});
