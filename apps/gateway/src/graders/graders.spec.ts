import { MODEL_ARTIFACT_KIND, modelArtifactPrefix, TENANT_HEADER } from '@tuneforge/contracts';
import type { Database } from '@tuneforge/database';
import { dropTestDatabase, openTestDatabase } from '@tuneforge/database/src/testing';
import { startEmbeddedDeployment, type EmbeddedDeployment } from '@tuneforge/service-kit';
import { commitLocalDirectory, FilesystemArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { service } from '../service';

const KEY = 'tenant-a-key-0001';
const TINY_MODEL_DIR = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-llama');
const stringCheck = { type: 'string_check' as const, name: 'exact', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' as const };
const RL_LINE = '{"messages":[{"role":"user","content":"2 + 2?"}],"answer":"4"}\n';

/** Runs `call` and returns the 400's param and message (the SDK's BadRequestError). */
async function badRequest(call: () => Promise<unknown>): Promise<{ param: string | null | undefined; message: string }> {
  try {
    await call();
  } catch (error) {
    if (error instanceof OpenAI.BadRequestError) return { param: error.param, message: error.message };
    throw error;
  }
  throw new Error('expected a 400');
}

/**
 * The graders endpoints and reinforcement job requests through the official `openai` SDK, against the gateway alone
 * (in-process bus, filesystem store, PGlite), with a local stand-in for the inference service that model graders call.
 */
describe('graders API and reinforcement jobs through the gateway', () => {
  jest.setTimeout(60_000);
  let db: Database;
  let deployment: EmbeddedDeployment;
  let client: OpenAI;
  let inference: Server;
  const inferenceRequests: Array<{ tenant: unknown; body: { model: string } }> = [];

  beforeAll(async () => {
    inference = createServer(async (req, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      inferenceRequests.push({ tenant: req.headers[TENANT_HEADER], body: JSON.parse(text) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'tiny-llama', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '0.75' } }] }));
    });
    await new Promise<void>((done) => inference.listen(0, '127.0.0.1', done));
    db = await openTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'tf-gateway-graders-'));
    await commitLocalDirectory(new FilesystemArtifactStore(dir).forTenant('tenant-a'), modelArtifactPrefix('tiny-llama'), TINY_MODEL_DIR, { kind: MODEL_ARTIFACT_KIND, metadata: { name: 'tiny-llama' } });
    deployment = await startEmbeddedDeployment([service], {
      store: new FilesystemArtifactStore(dir),
      database: db,
      logger: createLogger('gateway-graders-test', { level: 'warn' }),
      host: '127.0.0.1',
      basePort: 0,
      env: {
        TF_API_KEYS: `${KEY}:tenant-a`,
        TF_RATE_LIMIT_PER_MINUTE: '100000',
        TF_INFERENCE_URL: `http://127.0.0.1:${(inference.address() as AddressInfo).port}`,
      },
    });
    client = new OpenAI({ apiKey: KEY, baseURL: `${deployment.apps.get('gateway')!.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await deployment?.close();
    await dropTestDatabase(db);
    await new Promise<void>((done) => inference.close(() => done()));
  });

  it('both endpoints need an API key, as every route', async () => {
    const anonymous = new OpenAI({ apiKey: 'not-a-key', baseURL: client.baseURL, maxRetries: 0 });
    await expect(anonymous.fineTuning.alpha.graders.validate({ grader: stringCheck })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(anonymous.fineTuning.alpha.graders.run({ grader: stringCheck, model_sample: '4' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('validate echoes a good grader and names the field of a bad one', async () => {
    expect(await client.fineTuning.alpha.graders.validate({ grader: stringCheck })).toEqual({ grader: stringCheck });
    const bad = await badRequest(() => client.fineTuning.alpha.graders.validate({ grader: { ...stringCheck, operation: 'contains' as 'eq' } }));
    expect(bad.param).toBe('grader.operation');
    const multi = { type: 'multi' as const, name: 'm', graders: { a: stringCheck }, calculate_output: 'a + b' };
    const formula = await badRequest(() => client.fineTuning.alpha.graders.validate({ grader: multi as never }));
    expect(formula.param).toBe('grader.calculate_output');
    expect(formula.message).toContain("'b' is not one of the graders");
  });

  it("run scores a sample in OpenAI's shape, multi graders with their sub-rewards", async () => {
    const exact = await client.fineTuning.alpha.graders.run({ grader: stringCheck, model_sample: '4', item: { answer: '4' } });
    expect(exact.reward).toBe(1);
    expect(exact.metadata).toMatchObject({ name: 'exact', type: 'string_check', errors: { other_error: false, invalid_variable_error: false } });
    const multi = {
      type: 'multi' as const,
      name: 'both',
      graders: { exact: stringCheck, close: { type: 'text_similarity' as const, name: 'close', input: '{{sample.output_text}}', reference: '{{item.answer}}', evaluation_metric: 'fuzzy_match' as const } },
      calculate_output: '0.5 * exact + 0.5 * close',
    };
    const combined = await client.fineTuning.alpha.graders.run({ grader: multi as never, model_sample: 'four', item: { answer: 'four!' } });
    expect(combined.sub_rewards).toEqual({ exact: 0, close: 8 / 9 });
    expect(combined.reward).toBeCloseTo(4 / 9, 12);
    const missing = await client.fineTuning.alpha.graders.run({ grader: stringCheck, model_sample: '4', item: {} });
    expect(missing.reward).toBe(0);
    expect(missing.metadata.errors.invalid_variable_error).toBe(true);
  });

  it("a score_model grader calls the caller's own models on the inference service", async () => {
    const judge = { type: 'score_model' as const, name: 'judge', model: 'tiny-llama', input: [{ role: 'user' as const, content: 'Is {{sample.output_text}} right?' }] };
    const result = await client.fineTuning.alpha.graders.run({ grader: judge, model_sample: '4' });
    expect(result.reward).toBe(0.75);
    expect(inferenceRequests.at(-1)).toMatchObject({ tenant: 'tenant-a', body: { model: 'tiny-llama' } });
  });

  describe('creating a reinforcement job', () => {
    let training: string;
    let validation: string;
    beforeAll(async () => {
      training = (await client.files.create({ file: await toFile(Buffer.from(RL_LINE), 'train.jsonl'), purpose: 'fine-tune' })).id;
      validation = (await client.files.create({ file: await toFile(Buffer.from(RL_LINE), 'valid.jsonl'), purpose: 'fine-tune' })).id;
    });
    const create = (method: unknown, withValidation = true) =>
      client.fineTuning.jobs.create({ model: 'tiny-llama', training_file: training, ...(withValidation ? { validation_file: validation } : {}), method: method as never });

    it('carries the grader and hyperparameters into the job, echoed in its method', async () => {
      const job = await create({ type: 'reinforcement', reinforcement: { grader: stringCheck, hyperparameters: { n_epochs: 2, eval_interval: 5, compute_multiplier: 2, reasoning_effort: 'low' } } });
      expect(job.method).toEqual({
        type: 'reinforcement',
        reinforcement: {
          grader: stringCheck,
          hyperparameters: { n_epochs: 2, batch_size: expect.any(Number), learning_rate_multiplier: 1, compute_multiplier: 2, eval_interval: 5, eval_samples: 16, reasoning_effort: 'low' },
        },
      });
    });

    it('takes a multi grader, echoed whole', async () => {
      const multi = {
        type: 'multi',
        name: 'answer',
        graders: { exact: stringCheck, loose: { ...stringCheck, name: 'loose', operation: 'ilike' } },
        calculate_output: 'max(exact, 0.5 * loose)',
      };
      const job = await create({ type: 'reinforcement', reinforcement: { grader: multi } });
      expect(job.method?.type).toBe('reinforcement');
      expect(job.method?.reinforcement?.grader).toEqual(multi);
    });

    it('a grader that does not validate is a 400 naming method.reinforcement.grader.<field>', async () => {
      expect((await badRequest(() => create({ type: 'reinforcement', reinforcement: { grader: { ...stringCheck, operation: 'contains' } } }))).param).toBe('method.reinforcement.grader.operation');
      const multi = { type: 'multi', name: 'm', graders: { a: { ...stringCheck, reference: '{{answer}}' } }, calculate_output: 'a' };
      expect((await badRequest(() => create({ type: 'reinforcement', reinforcement: { grader: multi } }))).param).toBe('method.reinforcement.grader.graders.a.reference');
      const formula = { type: 'multi', name: 'm', graders: { a: stringCheck }, calculate_output: 'a * z' };
      expect((await badRequest(() => create({ type: 'reinforcement', reinforcement: { grader: formula } }))).param).toBe('method.reinforcement.grader.calculate_output');
      expect((await badRequest(() => create({ type: 'reinforcement', reinforcement: {} }))).param).toBe('method.reinforcement.grader');
    });

    it('hyperparameters out of range are 400s naming them; the validation file is required', async () => {
      const withHp = (hyperparameters: unknown) => create({ type: 'reinforcement', reinforcement: { grader: stringCheck, hyperparameters } });
      expect((await badRequest(() => withHp({ eval_samples: 0 }))).param).toBe('method.reinforcement.hyperparameters.eval_samples');
      expect((await badRequest(() => withHp({ compute_multiplier: -1 }))).param).toBe('method.reinforcement.hyperparameters.compute_multiplier');
      expect((await badRequest(() => withHp({ reasoning_effort: 'extreme' }))).param).toBe('method.reinforcement.hyperparameters.reasoning_effort');
      expect((await badRequest(() => withHp({ eval_interval: 1.5 }))).param).toBe('method.reinforcement.hyperparameters.eval_interval');
      expect((await badRequest(() => withHp({ beta: 0.1 }))).param).toBe('method.reinforcement.hyperparameters.beta');
      const noValidation = await badRequest(() => create({ type: 'reinforcement', reinforcement: { grader: stringCheck } }, false));
      expect(noValidation.param).toBe('validation_file');
    });
  });
});
