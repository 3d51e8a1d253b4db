import {
  createMessage,
  evaluationRunCompletedV1,
  evaluationRunRequestedV1,
  evaluationSummarySchema,
  EVALUATION_METRIC_NAMES,
  loadDefaultConfig,
  MODEL_ARTIFACT_KIND,
  modelArtifactPrefix,
  type MessageOf,
  type PayloadOf,
} from '@tuneforge/contracts';
import { TaskServiceHarness } from '@tuneforge/service-kit/src/testing';
import { ArtifactWriter, commitLocalDirectory, openArtifact } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { dirOf, TaskRecords } from '../src/evaluation/task-records';
import type { EvaluationReport } from '../src/evaluation/evaluation-report';
import { service } from '../src/service';
import { FakeEmbeddingsServer } from './fake-embeddings-server';

type Completed = MessageOf<typeof evaluationRunCompletedV1>;
type RequestPayload = PayloadOf<typeof evaluationRunRequestedV1>;

export const quietLogger = process.env.EVALUATOR_TEST_LOGS ? createLogger('evaluator-test') : createLogger('evaluator-test', { destination: new Writable({ write: (_c, _e, done) => done() }) });

const TINY_MODEL_DIR = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');

export function fixture(name: string): Buffer {
  return readFileSync(join(__dirname, 'fixtures', name));
}

/** The evaluator on the given bus and store (TaskServiceHarness), with the models, datasets and uploads its requests name. */
export class EvaluatorHarness extends TaskServiceHarness<typeof evaluationRunRequestedV1, typeof evaluationRunCompletedV1> {
  readonly tenant = 'evaluator-it';
  protected readonly under = {
    service,
    requested: evaluationRunRequestedV1,
    completed: evaluationRunCompletedV1,
    logger: quietLogger,
    defaults: { TF_EVAL_THREADS: '2', TF_EVAL_HEARTBEAT_MS: '250', TF_EVAL_TAKEOVER_AFTER_MS: '3000' },
  };

  override async start(): Promise<void> {
    await super.start();
    // What listen() does in both deployments, without a port: runs the bootstrap hooks (the heartbeat and takeover timer).
    await this.apps[0].init();
  }

  /** The tiny model, registered as a model directory (the gateway's and quick start's convention). */
  async registerTinyModel(): Promise<string> {
    return commitLocalDirectory(this.tenantStore, modelArtifactPrefix(`tiny-llama-${this.runId}`), TINY_MODEL_DIR, { kind: MODEL_ARTIFACT_KIND, metadata: { name: 'tiny-llama' } });
  }

  /** A prepared dataset as datagen writes it (train.jsonl and validation.jsonl under a committed prefix). */
  async writePreparedDataset(validation: Buffer): Promise<string> {
    const writer = await ArtifactWriter.begin(this.tenantStore, `jobs/ftjob-${this.runId}/data-preparation/prep-1/dataset`, { kind: 'prepared-dataset' });
    await writer.addFile('train.jsonl', validation);
    await writer.addFile('validation.jsonl', validation);
    await writer.commit();
    return writer.prefix;
  }

  async upload(name: string, body: Buffer): Promise<string> {
    const key = `uploads/${this.runId}/${name}`;
    await this.tenantStore.put(key, body);
    return key;
  }

  request(models: { base: string; tuned: string }, dataset: string, overrides: Partial<RequestPayload> = {}): RequestPayload {
    return {
      taskId: `eval-${randomUUID().slice(0, 8)}`,
      jobId: `ftjob-${this.runId}`,
      iteration: 1,
      curve: [],
      baseModel: models.base,
      tunedModel: models.tuned,
      dataset,
      tools: [],
      toolFixtures: [],
      settings: { ...loadDefaultConfig().evaluation, metrics: ['exact_match', 'token_f1', 'bleu', 'rouge', 'chrf', 'validation_loss', 'semantic_similarity'], maxNewTokens: 12, agentTurnLimit: 2, temperature: 0 },
      maxSequenceLength: 512,
      maxExamples: 10,
      ...overrides,
    };
  }

  /** Publishes the task and resolves with its `count`-th result. */
  evaluate(payload: RequestPayload, count = 1): Promise<Completed> {
    return this.send(payload, count);
  }
}

const RATES = ['rouge1', 'rouge2', 'rougeL', 'exact_match', 'token_f1', 'semantic_similarity', 'format_validity', 'stopped_at_observation', 'tool_selection_accuracy', 'argument_accuracy', 'final_answer_accuracy'] as const;

/** The scenario both deployments must pass. */
export function describeEvaluationScenario(makeHarness: () => Promise<EvaluatorHarness>): void {
  let harness: EvaluatorHarness;
  let model: string;
  let dataset: string;
  const embeddings = new FakeEmbeddingsServer();

  beforeAll(async () => {
    const baseURL = await embeddings.start();
    harness = await makeHarness();
    harness.env = { TF_EVAL_EMBEDDINGS_BASE_URL: baseURL, TF_EVAL_EMBEDDINGS_MODEL: 'embed-1', TF_EVAL_EMBEDDINGS_API_KEY: 'sk-eval-test' };
    await harness.start();
    model = await harness.registerTinyModel();
    dataset = await harness.writePreparedDataset(fixture('eval-chat.jsonl'));
  });
  afterAll(async () => {
    await harness?.stop();
    await embeddings.stop();
  });

  it('evaluates base vs tuned on the prepared validation set, with agent episodes in a tool loop, and writes the report', async () => {
    const tools = JSON.parse(fixture('tools.json').toString('utf8')) as RequestPayload['tools'];
    const payload = harness.request({ base: model, tuned: model }, dataset, {
      tools,
      toolFixtures: [{ tool: 'get_weather', response: '{"temperature": 20, "sky": "cloudy"}' }],
    });
    const { payload: result } = await harness.evaluate(payload);
    if (result.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(result)}`);
    expect(result.report).toBe(`jobs/${payload.jobId}/evaluation/${payload.taskId}/report`);
    const summary = evaluationSummarySchema.parse(result.summary);
    expect(summary).toMatchObject({ examples: 4, agent_episodes: 4 });

    for (const side of [summary.base, summary.tuned]) {
      for (const name of ['bleu', 'chrf', 'rouge1', 'rouge2', 'rougeL', 'exact_match', 'token_f1', 'validation_loss', 'perplexity', 'semantic_similarity', 'format_validity', 'tool_selection_accuracy', 'argument_accuracy'] as const) {
        expect(side.metrics[name]).toEqual(expect.any(Number));
      }
      for (const name of RATES) {
        if (side.metrics[name] === undefined) continue;
        expect(side.metrics[name]).toBeGreaterThanOrEqual(0);
        expect(side.metrics[name]).toBeLessThanOrEqual(1);
      }
      expect(side.metrics.bleu).toBeGreaterThanOrEqual(0);
      expect(side.metrics.bleu).toBeLessThanOrEqual(100);
      expect(side.metrics.chrf).toBeLessThanOrEqual(100);
      // An untrained tiny model is far from the references: the loss is that of near-uniform guessing over its 867 tokens.
      expect(side.metrics.validation_loss).toBeGreaterThan(1);
      expect(side.metrics.perplexity).toBeCloseTo(Math.exp(side.metrics.validation_loss as number), 2);
      expect(Object.keys(side.per_tool).sort()).toEqual(['(none)', 'calculator', 'get_weather']);
      expect(side.per_tool.get_weather.expected).toBe(2);
      expect(side.per_tool.calculator.expected).toBe(1);
      // Four episodes: three answers after a call, one answer without.
      expect(side.per_tool['(none)'].expected).toBe(4);
    }
    // The same model on both sides, greedy: the same answers, so the same numbers.
    expect(summary.tuned).toEqual(summary.base);
    expect(Object.keys(summary.base.metrics).every((name) => (EVALUATION_METRIC_NAMES as readonly string[]).includes(name))).toBe(true);
    expect(embeddings.requests.length).toBeGreaterThan(0);
    expect(embeddings.requests[0]).toMatchObject({ authorization: 'Bearer sk-eval-test', model: 'embed-1' });

    const report = JSON.parse(await harness.readArtifactFile(result.report, 'report.json')) as EvaluationReport;
    expect(report.summary).toEqual(result.summary);
    expect(report.evaluationSet).toMatchObject({ source: `${dataset}/validation.jsonl`, available: 4, evaluated: 4 });
    expect(report.examples).toHaveLength(4);
    expect(report.examples[0]).toMatchObject({ source: { line: 1 }, prompt: "What's the weather in Paris right now?" });
    // The reference is the last assistant turn: the answer after the tool call.
    expect(report.examples[0].tuned?.reference).toBe('It is 10 °C and clear in Paris.');
    expect(report.examples[3].tuned?.reference).toBe('Hello, Ada!');
    expect(report.examples.every((e) => typeof e.base?.output === 'string' && typeof e.tuned?.output === 'string')).toBe(true);
    expect(report.agent?.format).toBe('qwen');
    expect(report.agent?.tuned.episodes).toHaveLength(4);
    expect(report.agent?.tuned.episodes.every((episode) => episode.turns.length >= 1 && episode.turns.length <= 2)).toBe(true);
    expect(report.agent?.tuned.expectations.total).toBe(3);
    expect(report.worstExamples.length).toBeGreaterThan(0);
    expect(report.worstExamples[0].metric).toBe('token_f1');

    const html = await harness.readArtifactFile(result.report, 'report.html');
    expect(html).toContain('<svg class="chart metric-bars"');
    expect(html).toContain('<svg class="chart confusion"');
    expect(html).toContain('data-metric="token_f1"');
    expect(html).toContain('Worst examples');
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/(src|href)="https?:/);

    // The same task delivered again gets the same answer from the committed report, which is not rewritten.
    const manifest = (await openArtifact(harness.tenantStore, result.report)).manifest;
    const again = await harness.evaluate({ ...payload });
    expect(again.payload).toEqual(result);
    expect((await openArtifact(harness.tenantStore, result.report)).manifest.createdAt).toBe(manifest.createdAt);
  });

  it('fails bad requests with a clear error and keeps evaluating the next one', async () => {
    const missing = `models/${harness.runId}/no-such-model`;
    const { payload: noModel } = await harness.evaluate(harness.request({ base: model, tuned: missing }, dataset));
    expect(noModel).toMatchObject({ status: 'failed' });
    if (noModel.status !== 'failed') throw new Error('unreachable');
    expect(noModel.error).toBe(`tunedModel: no committed model directory at ${missing} (expected a manifest with config.json, *.safetensors and tokenizer files)`);

    const tools = JSON.parse(fixture('tools.json').toString('utf8')) as RequestPayload['tools'];
    const { payload: badFixture } = await harness.evaluate(harness.request({ base: model, tuned: model }, dataset, { tools, toolFixtures: [{ tool: 'send_email', response: 'sent' }] }));
    expect(badFixture).toMatchObject({ status: 'failed', error: expect.stringContaining('toolFixtures[0].tool: "send_email" is not one of the job\'s tools') });

    const { payload: noIndex } = await harness.evaluate(harness.request({ base: model, tuned: model }, dataset, { tools, retrievalIndex: `jobs/ftjob-${harness.runId}/retrieval/none` }));
    expect(noIndex).toMatchObject({ status: 'failed', error: `retrievalIndex: no committed retrieval index at jobs/ftjob-${harness.runId}/retrieval/none` });

    const bad = await harness.upload('bad-eval.jsonl', Buffer.from('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n{"messages": "nope"}\n'));
    const { payload: badFile } = await harness.evaluate(harness.request({ base: model, tuned: model }, dataset, { evaluationFile: bad }));
    expect(badFile).toMatchObject({ status: 'failed', error: expect.stringContaining(`the evaluation set ${bad} has 1 unreadable record(s)`) });
    if (badFile.status === 'failed') expect(badFile.error).toContain('line 2');

    // The next request (an uploaded evaluation file, text metrics only, capped) is handled as usual.
    const file = await harness.upload('eval.jsonl', fixture('eval-chat.jsonl'));
    const request = harness.request({ base: model, tuned: model }, dataset, { evaluationFile: file, maxExamples: 2, settings: { ...loadDefaultConfig().evaluation, metrics: ['exact_match', 'chrf'], maxNewTokens: 8, agentTurnLimit: 1, temperature: 0 } });
    const { payload: ok } = await harness.evaluate(request);
    if (ok.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(ok)}`);
    expect(ok.summary).toMatchObject({ examples: 2, agent_episodes: 0, base: { per_tool: {} }, tuned: { per_tool: {} } });
    expect(Object.keys(ok.summary.tuned.metrics).sort()).toEqual(['chrf', 'exact_match']);
    const report = JSON.parse(await harness.readArtifactFile(ok.report, 'report.json')) as EvaluationReport;
    expect(report.evaluationSet).toMatchObject({ source: file, available: 4, evaluated: 2 });
    expect(report.agent).toBeUndefined();
    expect(await harness.readArtifactFile(ok.report, 'report.html')).not.toContain('class="chart confusion"');
  });

  it('evaluates ReAct prompt/completion steps (reference 000 format) one step each, stopping at the observation', async () => {
    const tools = JSON.parse(fixture('tools.json').toString('utf8')) as RequestPayload['tools'];
    const file = await harness.upload('react-steps.jsonl', fixture('react-steps.jsonl'));
    const request = harness.request({ base: model, tuned: model }, dataset, { evaluationFile: file, tools, settings: { ...loadDefaultConfig().evaluation, metrics: ['token_f1'], maxNewTokens: 8, agentTurnLimit: 2, temperature: 0 } });
    const { payload: result } = await harness.evaluate(request);
    if (result.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(result)}`);
    expect(result.summary).toMatchObject({ examples: 2, agent_episodes: 2 });
    expect(Object.keys(result.summary.tuned.per_tool).sort()).toEqual(['(none)', 'calculator']);
    expect(result.summary.tuned.per_tool.calculator.expected).toBe(1);
    const report = JSON.parse(await harness.readArtifactFile(result.report, 'report.json')) as EvaluationReport;
    expect(report.agent?.format).toBe('react');
    expect(report.examples[0].tuned?.reference).toBe('Thought: Do I need to use a tool? Yes\nAction: calculator\nAction Input: {"expression": "12*7"}');
    // One generation per step, never a loop: the prompt already holds the steps so far.
    expect(report.agent?.tuned.episodes.map((episode) => episode.turns.length)).toEqual([1, 1]);
  });

  itTakesOverAnOrphanedTask(() => ({ harness, model, dataset }));
}

/** What a killed instance leaves behind is taken over by the running one, answered once, and its records removed. */
function itTakesOverAnOrphanedTask(current: () => { harness: EvaluatorHarness; model: string; dataset: string }): void {
  it('takes over a task accepted by an evaluator that died before answering, and answers it once', async () => {
    const { harness, model, dataset } = current();
    const payload = harness.request({ base: model, tuned: model }, dataset, { maxExamples: 1, settings: { ...loadDefaultConfig().evaluation, metrics: ['exact_match'], maxNewTokens: 4, agentTurnLimit: 1, temperature: 0 } });
    // What a killed instance leaves behind: the recorded request, no heartbeat after it.
    const orphan = createMessage(evaluationRunRequestedV1, payload, { correlationId: payload.jobId, tenant: harness.tenant });
    expect(await new TaskRecords(harness.store).register(orphan)).toBe(true);
    const { payload: result } = await harness.result(payload.taskId);
    expect(result).toMatchObject({ taskId: payload.taskId, status: 'succeeded', summary: { examples: 1 } });
    // The records go once the result is out (publish first: a crash in between answers twice, never zero times).
    const left = async () => {
      const keys: string[] = [];
      for await (const entry of harness.store.list(`${dirOf(harness.tenant, payload.taskId)}/`)) keys.push(entry.key);
      return keys;
    };
    const deadline = Date.now() + 10_000;
    while ((await left()).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await left()).toEqual([]);
  }, 60_000);
}
