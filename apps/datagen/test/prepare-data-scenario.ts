import {
  dataPreparationCompletedV1,
  dataPreparationRequestedV1,
  loadDefaultConfig,
  type MessageOf,
  type PayloadOf,
} from '@tuneforge/contracts';
import { TaskServiceHarness } from '@tuneforge/service-kit/src/testing';
import { openArtifact } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { service } from '../src/service';
import { FakeChatServer, LLM_CITIES } from '@tuneforge/datasets';

type Completed = MessageOf<typeof dataPreparationCompletedV1>;
type RequestPayload = PayloadOf<typeof dataPreparationRequestedV1>;

export const quietLogger = process.env.DATAGEN_TEST_LOGS ? createLogger('datagen-test') : createLogger('datagen-test', { destination: new Writable({ write: (_c, _e, done) => done() }) });

export function fixture(name: string): Buffer {
  return readFileSync(join(__dirname, 'fixtures', name));
}

/** The datagen service on the given bus and store (TaskServiceHarness), with uploads and requests of its own. */
export class DatagenHarness extends TaskServiceHarness<typeof dataPreparationRequestedV1, typeof dataPreparationCompletedV1> {
  readonly tenant = 'datagen-it';
  protected readonly under = { service, requested: dataPreparationRequestedV1, completed: dataPreparationCompletedV1, logger: quietLogger };

  async upload(name: string, body: Buffer): Promise<string> {
    const key = `uploads/${this.runId}/${name}`;
    await this.tenantStore.put(key, body);
    return key;
  }

  request(files: RequestPayload['files'], overrides: Partial<RequestPayload> = {}): RequestPayload {
    const config = loadDefaultConfig();
    return {
      taskId: `prep-${randomUUID().slice(0, 8)}`,
      jobId: `ftjob-${this.runId}`,
      files,
      data: { ...config.data, validationSplit: 0.25, seed: 7 },
      synthesis: { ...config.synthesis, enabled: false },
      tools: [],
      ...overrides,
    };
  }

  /** Publishes the task and resolves with its `count`-th result. */
  prepare(payload: RequestPayload, count = 1): Promise<Completed> {
    return this.send(payload, count);
  }
}

/** The scenario both deployments must pass: a good dataset, a bad file, then a good one again. */
export function describePreparationScenario(makeHarness: () => Promise<DatagenHarness>): void {
  let harness: DatagenHarness;
  const llm = new FakeChatServer();

  beforeAll(async () => {
    const baseURL = await llm.start();
    harness = await makeHarness();
    harness.env = {
      TF_SYNTH_LLM_BASE_URL: baseURL,
      TF_SYNTH_LLM_MODEL: 'teacher-1',
      TF_SYNTH_LLM_API_KEY: 'sk-datagen-test',
      TF_SYNTH_LLM_BATCH_SIZE: '2',
      TF_SYNTH_LLM_CONCURRENCY: '2',
      TF_SYNTH_LLM_INITIAL_BACKOFF_MS: '1',
      TF_SYNTH_LLM_MAX_BACKOFF_MS: '5',
    };
    await harness.start();
  });
  afterAll(async () => {
    await harness?.stop();
    await llm.stop();
  });

  it('prepares a good dataset with synthesis: succeeded, manifest-committed dataset and report, counts that match the files', async () => {
    const training = await harness.upload('good-chat.jsonl', fixture('good-chat.jsonl'));
    const tools = JSON.parse(fixture('tools.json').toString('utf8')) as RequestPayload['tools'];
    // `templates` chosen explicitly: the seeded template generator, although an LLM endpoint is configured.
    const payload = harness.request({ training }, { tools, synthesis: { enabled: true, samples: 8, noToolRatio: 0.25, seed: 3, source: 'templates' } });
    const { payload: result } = await harness.prepare(payload);
    if (result.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(result)}`);
    expect(result.counts).toEqual({ inputRecords: 12, syntheticRecords: 8, trainRecords: 15, validationRecords: 5 });
    expect(llm.requests).toHaveLength(0);
    expect(result.artifacts.dataset).toBe(`jobs/${payload.jobId}/data-preparation/${payload.taskId}/dataset`);

    const dataset = await openArtifact(harness.tenantStore, result.artifacts.dataset);
    expect(dataset.manifest.kind).toBe('prepared-dataset');
    expect(dataset.manifest.files.map((f) => f.path)).toEqual(['train.jsonl', 'validation.jsonl']);
    const train = (await harness.readArtifactFile(result.artifacts.dataset, 'train.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as { messages: unknown[] });
    expect(train).toHaveLength(15);
    expect(train.every((record) => Array.isArray(record.messages))).toBe(true);
    const report = JSON.parse(await harness.readArtifactFile(result.artifacts.report, 'report.json')) as { report: { records: number; leakage: { exact: number } } };
    expect(report.report.records).toBe(15);
    expect(report.report.leakage.exact).toBe(0);
    expect(await harness.readArtifactFile(result.artifacts.report, 'report.html')).toContain('<svg');

    // The same task sent again (an orchestrator restarted before it saw the result) finds its committed artifacts.
    const manifestBefore = dataset.manifest.createdAt;
    const again = await harness.prepare({ ...payload });
    expect(again.payload).toEqual(result);
    expect((await openArtifact(harness.tenantStore, result.artifacts.dataset)).manifest.createdAt).toBe(manifestBefore);
  });

  it('fails a bad file with line-numbered errors, writes nothing, and keeps serving the next task', async () => {
    const bad = await harness.upload('bad-chat.jsonl', fixture('bad-chat.jsonl'));
    const failedTask = harness.request({ training: bad });
    const { payload: failed } = await harness.prepare(failedTask);
    if (failed.status !== 'failed') throw new Error(`expected failure, got ${JSON.stringify(failed)}`);
    expect(failed.errorCount).toBe(3);
    expect(failed.errors).toEqual([
      expect.objectContaining({ code: 'invalid_record', file: bad, line: 3, field: 'messages[1].role' }),
      expect.objectContaining({ code: 'invalid_record', file: bad, line: 5, field: 'messages[1].tool_calls[0].function.arguments' }),
      expect.objectContaining({ code: 'invalid_json', file: bad, line: 6, expected: 'valid JSON' }),
    ]);
    const leftovers: string[] = [];
    for await (const entry of harness.tenantStore.list(`jobs/${failedTask.jobId}/data-preparation/${failedTask.taskId}/`)) leftovers.push(entry.key);
    expect(leftovers).toEqual([]);

    const missing = await harness.prepare(harness.request({ training: `uploads/${harness.runId}/nope.jsonl` }));
    expect(missing.payload).toMatchObject({ status: 'failed', errors: [{ code: 'read_failed', expected: 'an uploaded file at this key' }] });

    const training = await harness.upload('good-again.jsonl', fixture('good-chat.jsonl'));
    const validation = await harness.upload('validation.jsonl', Buffer.from(fixture('good-chat.jsonl').toString('utf8').split('\n').slice(0, 2).join('\n')));
    const { payload: ok } = await harness.prepare(harness.request({ training, validation }));
    expect(ok).toMatchObject({ status: 'succeeded', counts: { inputRecords: 14, syntheticRecords: 0, trainRecords: 12, validationRecords: 2 } });
  });

  it('synthesizes with the configured OpenAI-compatible endpoint from the seeds and task description: validated, deduplicated, cached', async () => {
    const training = await harness.upload('llm-seeds.jsonl', fixture('good-chat.jsonl'));
    const tools = JSON.parse(fixture('tools.json').toString('utf8')) as RequestPayload['tools'];
    const taskDescription = 'Answer weather questions for travellers with the get_weather tool.';
    const payload = harness.request({ training }, { tools, taskDescription, synthesis: { enabled: true, samples: 6, noToolRatio: 0.3, seed: 5, source: 'auto' } });
    const before = llm.requests.length;
    llm.failures = new Map([[before + 1, 429]]);
    const { payload: result } = await harness.prepare(payload);
    if (result.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(result)}`);
    expect(result.counts).toMatchObject({ inputRecords: 12, syntheticRecords: 6 });
    expect(result.counts.trainRecords + result.counts.validationRecords).toBe(18);

    // 3 answered requests of 2 valid samples each, after one 429 that was retried.
    const sent = llm.requests.slice(before);
    expect(sent).toHaveLength(4);
    expect(sent[0].authorization).toBe('Bearer sk-datagen-test');
    expect(sent[0].body.model).toBe('teacher-1');
    expect(sent[0].body.messages[1].content).toContain(taskDescription);
    expect(sent[0].body.messages[1].content).toContain('"get_weather"');

    const lines = [
      ...(await harness.readArtifactFile(result.artifacts.dataset, 'train.jsonl')).trim().split('\n'),
      ...(await harness.readArtifactFile(result.artifacts.dataset, 'validation.jsonl')).trim().split('\n'),
    ];
    expect(lines).toHaveLength(18);
    const generated = lines.filter((l) => LLM_CITIES.some((city) => l.includes(`How warm is it in ${city} today?`)));
    expect(generated).toHaveLength(6);
    // Every kept sample carries the task's tools; the sample calling a tool it was not given was dropped, and so were copies of the seeds.
    expect(generated.every((l) => (JSON.parse(l) as { tools?: Array<{ function: { name: string } }> }).tools?.[0].function.name === 'get_weather')).toBe(true);
    expect(lines.some((l) => l.includes('book_flight'))).toBe(false);
    expect(new Set(lines).size).toBe(18);

    const report = JSON.parse(await harness.readArtifactFile(result.artifacts.report, 'report.json')) as {
      synthesis: { source: string; generated: number; llm: { requests: number; cacheHits: number; rejected: number; duplicates: number; rejectedListed: Array<{ path: string }> } };
    };
    expect(report.synthesis).toMatchObject({ source: 'llm', requested: 6, generated: 6, llm: { model: 'teacher-1', requests: 4, cacheHits: 0, rejected: 3 } });
    expect(report.synthesis.llm.duplicates).toBeGreaterThanOrEqual(2);
    expect(report.synthesis.llm.rejectedListed[0].path).toBe('samples[2].messages[1].tool_calls[0].function.name');

    // Completions are cached in the tenant's store: the same synthesis in a new task makes no request.
    const cached: string[] = [];
    for await (const entry of harness.tenantStore.list('cache/datagen/llm-completions/')) cached.push(entry.key);
    expect(cached.length).toBeGreaterThanOrEqual(3);
    const { payload: again } = await harness.prepare({ ...payload, taskId: `${payload.taskId}-2` });
    if (again.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(again)}`);
    expect(llm.requests.length - before).toBe(4);
    expect(again.counts).toEqual(result.counts);
    expect(await harness.readArtifactFile(again.artifacts.dataset, 'train.jsonl')).toBe(await harness.readArtifactFile(result.artifacts.dataset, 'train.jsonl'));
  });

  it('fails a task that asks for LLM synthesis when the endpoint keeps failing, and keeps serving', async () => {
    const training = await harness.upload('llm-down.jsonl', fixture('good-chat.jsonl'));
    const before = llm.requests.length;
    llm.failures = new Map(Array.from({ length: 5 }, (_, i) => [before + i + 1, 503] as [number, number]));
    const { payload: failed } = await harness.prepare(harness.request({ training }, { synthesis: { enabled: true, samples: 2, noToolRatio: 0.3, seed: 9, source: 'llm' } }));
    expect(failed).toMatchObject({ status: 'failed', errors: [{ code: 'synthesis_failed', file: '<request>', field: 'synthesis.source', received: expect.stringContaining('HTTP 503') }] });
    expect(llm.requests.length - before).toBe(5);
    expect(JSON.stringify(failed)).not.toContain('sk-datagen-test');
    llm.failures = new Map();
  });

  itReportsTokenStatistics(() => harness);
}

/** The token statistics datagen adds to the report with the task's tokenizer, and the task failed without its files. */
function itReportsTokenStatistics(current: () => DatagenHarness): void {
  it('reports token lengths and the truncation rate with the tokenizer the task names', async () => {
    const harness = current();
    const tokenizer = `models/${harness.runId}/tiny-qwen2`;
    const modelDir = join(__dirname, '..', '..', '..', 'tools', 'tiny-model', 'models', 'tiny-qwen2');
    for (const name of readdirSync(modelDir).filter((n) => n.startsWith('tokenizer'))) await harness.tenantStore.put(`${tokenizer}/${name}`, readFileSync(join(modelDir, name)));
    const training = await harness.upload('tokenized.jsonl', fixture('good-chat.jsonl'));

    type Report = { report: { records: number; errorCount: number; tokenLengths: { count: number; min: number; max: number; histogram: Array<{ count: number }> }; truncation: { samples: number; truncated: number; truncationRate: number } } };
    const run = async (maxSequenceLength: number) => {
      const base = harness.request({ training }, { tokenizer });
      const { payload } = await harness.prepare({ ...base, data: { ...base.data, maxSequenceLength } });
      if (payload.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(payload)}`);
      return { result: payload, report: (JSON.parse(await harness.readArtifactFile(payload.artifacts.report, 'report.json')) as Report).report };
    };

    const roomy = await run(131072);
    expect(roomy.report.errorCount).toBe(0);
    expect(roomy.report.tokenLengths.count).toBe(roomy.result.counts.trainRecords);
    expect(roomy.report.tokenLengths.histogram.reduce((n, b) => n + b.count, 0)).toBe(roomy.result.counts.trainRecords);
    expect(roomy.report.tokenLengths.min).toBeGreaterThan(16);
    expect(roomy.report.truncation).toMatchObject({ samples: roomy.result.counts.trainRecords, truncated: 0, truncationRate: 0 });
    expect(await harness.readArtifactFile(roomy.result.artifacts.report, 'report.html')).toContain('Truncated 0 of');

    const tight = await run(16);
    expect(tight.report.tokenLengths).toEqual(roomy.report.tokenLengths);
    expect(tight.report.truncation).toMatchObject({ samples: roomy.result.counts.trainRecords, truncated: roomy.result.counts.trainRecords, truncationRate: 1 });

    const { payload: missing } = await harness.prepare(harness.request({ training }, { tokenizer: `models/${harness.runId}/nope` }));
    expect(missing).toMatchObject({ status: 'failed', errors: [{ code: 'read_failed', file: `models/${harness.runId}/nope/tokenizer.json`, field: 'tokenizer' }] });
  });
}
