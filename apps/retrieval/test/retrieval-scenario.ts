import { retrievalIndexCompletedV1, retrievalIndexRequestedV1, type MessageOf, type PayloadOf } from '@tuneforge/contracts';
import { service as gatewayService } from '@tuneforge/gateway';
import { gatewayEnvSchema } from '@tuneforge/gateway/src/config/gateway-config';
import { fileContentKey } from '@tuneforge/gateway/src/files/file-record';
import { ConceptEmbeddingsServer, createOpenAIEmbedder, embeddingsEndpointFromEnv, embeddingsEnvSchema, loadIndexArtifact, loadSearchFunction } from '@tuneforge/retrieval-kit';
import { loadServiceConfig } from '@tuneforge/service-kit';
import { startServiceUnderTest, TaskServiceHarness } from '@tuneforge/service-kit/src/testing';
import { openArtifact } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { service } from '../src/service';

type Completed = MessageOf<typeof retrievalIndexCompletedV1>;
type RequestPayload = PayloadOf<typeof retrievalIndexRequestedV1>;
type DocumentRef = RequestPayload['documents'][number];

export const quietLogger = process.env.RETRIEVAL_TEST_LOGS ? createLogger('retrieval-test') : createLogger('retrieval-test', { destination: new Writable({ write: (_c, _e, done) => done() }) });

export function fixture(name: string): Buffer {
  return readFileSync(join(__dirname, 'fixtures', name));
}

const API_KEY = 'retrieval-it-key';

/**
 * The retrieval service and the gateway as Nest apps on the given bus and store: documents are uploaded
 * through the gateway's Files API with the OpenAI SDK, as a user uploads them, and the task names them by
 * the key the gateway stored them under (TaskServiceHarness: a test sends a task and awaits its result).
 */
export class RetrievalHarness extends TaskServiceHarness<typeof retrievalIndexRequestedV1, typeof retrievalIndexCompletedV1> {
  readonly tenant = `retrieval-it-${this.runId}`;
  protected readonly under = { service, requested: retrievalIndexRequestedV1, completed: retrievalIndexCompletedV1, logger: quietLogger };
  private openai?: OpenAI;

  override async start(): Promise<void> {
    await super.start();
    const gateway = await startServiceUnderTest(gatewayService, {
      runId: this.runId,
      bus: this.bus,
      store: this.store,
      logger: quietLogger,
      config: loadServiceConfig(gatewayEnvSchema, { TF_API_KEYS: `${API_KEY}:${this.tenant}` }),
    });
    this.apps.push(gateway);
    await gateway.listen(0, '127.0.0.1');
    this.openai = new OpenAI({ apiKey: API_KEY, baseURL: `${(await gateway.getUrl()).replace('[::1]', '127.0.0.1')}/v1`, maxRetries: 0 });
  }

  /** Uploads through the gateway's Files API; the document reference carries the key the gateway stored the bytes under. */
  async upload(filename: string, body: Buffer, options: { named?: boolean } = {}): Promise<DocumentRef> {
    const file = await this.openai!.files.create({ file: await OpenAI.toFile(body, filename), purpose: 'user_data' });
    return { key: fileContentKey(file.id), ...(options.named !== false && { filename }) };
  }

  request(documents: DocumentRef[], overrides: Partial<RequestPayload> = {}): RequestPayload {
    return retrievalIndexRequestedV1.payload.parse({ taskId: `idx-${randomUUID().slice(0, 8)}`, jobId: `ftjob-${this.runId}`, documents, chunking: { size: 24, overlap: 6 }, ...overrides });
  }

  /** Publishes the task and resolves with its `count`-th result. */
  index(payload: RequestPayload, count = 1): Promise<Completed> {
    return this.send(payload, count);
  }
}

/** The scenario both deployments must pass: ingest through the gateway, index, query; bad documents reported; the service keeps serving. */
export function describeRetrievalScenario(makeHarness: () => Promise<RetrievalHarness>): void {
  let harness: RetrievalHarness;
  const embeddings = new ConceptEmbeddingsServer({ refund: 'reimbursement', money: 'reimbursement', reimbursement: 'reimbursement' });

  beforeAll(async () => {
    const baseURL = await embeddings.start();
    harness = await makeHarness();
    harness.env = { TF_EMBEDDINGS_BASE_URL: baseURL, TF_EMBEDDINGS_MODEL: 'concepts-1', TF_EMBEDDINGS_API_KEY: 'sk-retrieval-test', TF_EMBEDDINGS_BATCH_SIZE: '4' };
    await harness.start();
  });
  afterAll(async () => {
    await harness?.stop();
    await embeddings.stop();
  });

  it('indexes uploaded Markdown, HTML and JSONL, reports the broken document by line and field, and answers queries from the stored index', async () => {
    const documents = [
      await harness.upload('shipping.md', fixture('shipping.md')),
      await harness.upload('returns.html', fixture('returns.html')),
      await harness.upload('faq.jsonl', fixture('faq.jsonl')),
      await harness.upload('broken.jsonl', fixture('broken.jsonl')),
    ];
    const payload = harness.request(documents);
    const { payload: result } = await harness.index(payload);
    if (result.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(result)}`);
    expect(result.index).toBe(`jobs/${payload.jobId}/retrieval/${payload.taskId}/index`);
    expect(result.documents.map((d) => [d.source, d.format, d.key])).toEqual([
      ['shipping.md', 'markdown', documents[0].key],
      ['returns.html', 'html', documents[1].key],
      ['faq.jsonl', 'jsonl', documents[2].key],
    ]);
    expect(result.documents[2].passages).toBe(3);
    const passages = result.documents.reduce((n, d) => n + d.passages, 0);
    expect(result.counts).toEqual({ documents: 4, indexedDocuments: 3, failedDocuments: 1, passages });
    expect(result.errors).toEqual([
      { code: 'invalid_record', document: documents[3].key, line: 2, field: 'text', expected: 'a string field `text` or `content`', received: 'fields title' },
      { code: 'invalid_record', document: documents[3].key, line: 3, field: 'text', expected: 'a non-empty string', received: 'a string of 0 characters' },
    ]);
    expect(result.errorCount).toBe(2);
    expect(result.embeddings).toEqual({ model: 'concepts-1', dimensions: 512 });
    expect(embeddings.requests.every((r) => r.authorization === 'Bearer sk-retrieval-test' && r.input.length <= 4)).toBe(true);

    const artifact = await openArtifact(harness.tenantStore, result.index);
    expect(artifact.manifest.kind).toBe('retrieval-index');
    expect(artifact.manifest.files.map((f) => f.path)).toEqual(['bm25.json', 'vectors.f32']);

    // Query the stored index as an agent tool would: BM25 alone, then hybrid with the same embeddings model.
    const bm25 = await loadSearchFunction(harness.tenantStore, result.index);
    const express = await bm25('How long does express shipping take?', 2);
    expect(express[0].source).toBe('shipping.md');
    expect(express[0].text).toContain('Express shipping takes one to two business days');
    const warranty = await bm25('what do I need for a warranty claim', 1);
    expect(warranty).toEqual([expect.objectContaining({ source: 'faq.jsonl', line: 3, text: 'Warranty claims need the original receipt and the serial number of the device.' })]);
    const hidden = await bm25('analytics track fraud checklist', 3);
    expect(hidden.map((r) => r.text).join(' ')).not.toMatch(/analytics|fraud/);

    expect(await bm25('refund', 3)).toEqual([]);
    const embedder = createOpenAIEmbedder(embeddingsEndpointFromEnv(embeddingsEnvSchema.parse(harness.env))!);
    const hybrid = await loadSearchFunction(harness.tenantStore, result.index, { embedder });
    const refund = await hybrid('refund', 1);
    expect(refund[0].source).toBe('returns.html');
    expect(refund[0].text).toContain('reimbursement');

    // The same task again (an orchestrator restarted before it saw the result) finds its committed index.
    const again = await harness.index({ ...payload });
    expect(again.payload).toEqual(result);
    expect((await openArtifact(harness.tenantStore, result.index)).manifest.createdAt).toBe(artifact.manifest.createdAt);
  });

  it('fails a task none of whose documents can be read, names each reason, and keeps serving the next task', async () => {
    const binary = await harness.upload('manual.txt', Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0x01, 0x02]));
    const missing = { key: `files/file-missing${harness.runId.replace(/[^a-zA-Z0-9]/g, '')}/content` };
    const emptyHtml = await harness.upload('blank.html', Buffer.from('<html><head><script>track()</script></head><body>  </body></html>'));
    const { payload: failed } = await harness.index(harness.request([binary, missing, emptyHtml]));
    if (failed.status !== 'failed') throw new Error(`expected failure, got ${JSON.stringify(failed)}`);
    expect(failed.counts).toEqual({ documents: 3, indexedDocuments: 0, failedDocuments: 3, passages: 0 });
    expect(failed.errors).toEqual([
      { code: 'not_text', document: binary.key, field: '', expected: 'a text document (UTF-8)', received: 'binary data (NUL bytes)' },
      { code: 'not_found', document: missing.key, field: '', expected: 'an uploaded file at this key', received: 'no such file' },
      { code: 'empty', document: emptyHtml.key, field: '', expected: 'a html document with some text in it', received: 'no text' },
    ]);

    // Without a file name the format comes from the content (the gateway stores bytes under files/<id>/content).
    const unnamed = await harness.upload('notes.md', fixture('shipping.md'), { named: false });
    const { payload: ok } = await harness.index(harness.request([unnamed]));
    if (ok.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(ok)}`);
    expect(ok.documents).toEqual([{ key: unnamed.key, source: unnamed.key, format: 'markdown', passages: expect.any(Number) }]);
    const index = await loadIndexArtifact(harness.tenantStore, ok.index);
    expect(index.passages.every((p) => p.source === unnamed.key && !p.text.includes('**'))).toBe(true);
  });

  it('fails the task with the endpoint status when the embeddings endpoint keeps failing, without leaking the key', async () => {
    const doc = await harness.upload('faq-2.jsonl', fixture('faq.jsonl'));
    const before = embeddings.requests.length;
    embeddings.failures = new Map(Array.from({ length: 8 }, (_, i) => [before + i + 1, 503] as [number, number]));
    const { payload: failed } = await harness.index(harness.request([doc]));
    embeddings.failures = new Map();
    expect(failed).toMatchObject({ status: 'failed', errors: [{ code: 'embeddings_failed', document: '<request>', received: expect.stringContaining('HTTP 503') }] });
    expect(JSON.stringify(failed)).not.toContain('sk-retrieval-test');
  });
}
