import type { INestApplication } from '@nestjs/common';
import {
  createMessage,
  dataPreparationCompletedV1,
  dataPreparationRequestedV1,
  loadDefaultConfig,
  type MessageOf,
  type PayloadOf,
} from '@tuneforge/contracts';
import type { MessageBus, Subscription } from '@tuneforge/messaging';
import { createServiceApp } from '@tuneforge/service-kit';
import { openArtifact, type ArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { service } from '../src/service';

type Completed = MessageOf<typeof dataPreparationCompletedV1>;
type RequestPayload = PayloadOf<typeof dataPreparationRequestedV1>;

export const quietLogger = process.env.DATAGEN_TEST_LOGS ? createLogger('datagen-test') : createLogger('datagen-test', { destination: new Writable({ write: (_c, _e, done) => done() }) });

export function fixture(name: string): Buffer {
  return readFileSync(join(__dirname, 'fixtures', name));
}

/**
 * The datagen service as a Nest app on the given bus and store, plus a listener on its result topic
 * that lets a test await the result of one task id (no sleeps: the event is what is awaited).
 */
export class DatagenHarness {
  readonly runId = `${Date.now().toString(36)}${randomUUID().slice(0, 8)}`;
  readonly tenant = 'datagen-it';
  private readonly results = new Map<string, Completed[]>();
  private readonly waiters = new Map<string, Array<{ count: number; resolve: (results: Completed[]) => void }>>();
  private app?: INestApplication;
  private listener?: Subscription;

  constructor(
    readonly bus: MessageBus,
    readonly store: ArtifactStore,
  ) {}

  get tenantStore(): ArtifactStore {
    return this.store.forTenant(this.tenant);
  }

  async start(): Promise<void> {
    await this.store.ping();
    this.listener = await this.bus.subscribe<Completed['payload']>(
      dataPreparationCompletedV1,
      { group: `datagen-test-listener-${this.runId}`, service: 'datagen-test', startFrom: 'earliest' },
      async (message) => this.record(message as Completed),
    );
    this.app = await createServiceApp(service, {
      identity: { name: 'datagen', version: '0.0.0-test', instanceId: `datagen-test-${this.runId}`, mode: this.bus.transport === 'kafka' ? 'distributed' : 'embedded' },
      bus: this.bus,
      store: this.store,
      logger: quietLogger,
      config: {},
    });
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.listener?.close();
    await this.bus.close();
  }

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
  async prepare(payload: RequestPayload, count = 1): Promise<Completed> {
    const results = this.waitFor(payload.taskId, count);
    await this.bus.publish(dataPreparationRequestedV1, createMessage(dataPreparationRequestedV1, payload, { correlationId: payload.jobId, tenant: this.tenant }));
    return (await results)[count - 1];
  }

  async readArtifactFile(prefix: string, path: string): Promise<string> {
    return (await (await openArtifact(this.tenantStore, prefix)).readFile(path)).toString('utf8');
  }

  private record(message: Completed): void {
    const taskId = message.payload.taskId;
    const list = [...(this.results.get(taskId) ?? []), message];
    this.results.set(taskId, list);
    const pending = this.waiters.get(taskId) ?? [];
    this.waiters.set(taskId, pending.filter((w) => (list.length >= w.count ? (w.resolve(list), false) : true)));
  }

  private waitFor(taskId: string, count: number): Promise<Completed[]> {
    return new Promise((resolve) => {
      const have = this.results.get(taskId) ?? [];
      if (have.length >= count) resolve(have);
      else this.waiters.set(taskId, [...(this.waiters.get(taskId) ?? []), { count, resolve }]);
    });
  }
}

/** The scenario both deployments must pass: a good dataset, a bad file, then a good one again. */
export function describePreparationScenario(makeHarness: () => Promise<DatagenHarness>): void {
  let harness: DatagenHarness;

  beforeAll(async () => {
    harness = await makeHarness();
    await harness.start();
  });
  afterAll(() => harness?.stop());

  it('prepares a good dataset with synthesis: succeeded, manifest-committed dataset and report, counts that match the files', async () => {
    const training = await harness.upload('good-chat.jsonl', fixture('good-chat.jsonl'));
    const tools = JSON.parse(fixture('tools.json').toString('utf8')) as RequestPayload['tools'];
    const payload = harness.request({ training }, { tools, synthesis: { enabled: true, samples: 8, noToolRatio: 0.25, seed: 3 } });
    const { payload: result } = await harness.prepare(payload);
    if (result.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(result)}`);
    expect(result.counts).toEqual({ inputRecords: 12, syntheticRecords: 8, trainRecords: 15, validationRecords: 5 });
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
}
