import { FilesystemArtifactStore, ArtifactIntegrityError, ArtifactNotCommittedError, ArtifactWriter } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadIndexArtifact, writeIndexArtifact } from './artifact/index-artifact';
import { buildRetrievalIndex } from './build-index';
import { EmbeddingsEndpointError } from './embeddings/embedder';
import { createOpenAIEmbedder } from './embeddings/openai-embedder';
import { createSearchFunction, formatSearchResults } from './search-function';
import { ConceptEmbeddingsServer } from './testing/concept-embeddings-server';

const doc = (source: string, text: string, filename?: string) => ({ source, bytes: Buffer.from(text, 'utf8'), ...(filename && { filename }) });

const corpus = [
  doc('file-refunds', '# Refunds\n\nA reimbursement is issued within five business days after the parcel arrives at our warehouse.', 'refunds.md'),
  doc('file-shipping', '<h1>Shipping</h1><p>Parcels ship from Rotterdam. Express shipping takes two days.</p><script>track()</script>', 'shipping.html'),
  doc('file-faq', '{"text":"Gift cards never expire."}\n{"content":"Shipping to islands takes longer."}\n', 'faq.jsonl'),
  doc('file-broken', '{"text":"ok"}\n{"body":"no text field"}\n', 'broken.jsonl'),
];

describe('buildRetrievalIndex and the index artifact', () => {
  const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'retrieval-kit-')));

  it('indexes the good documents, reports the bad one, and finds passages with their sources', async () => {
    const built = await buildRetrievalIndex(corpus, { chunking: { size: 8, overlap: 2 } });
    expect(built.documents).toEqual([
      { source: 'file-refunds', format: 'markdown', passages: 3 },
      { source: 'file-shipping', format: 'html', passages: 2 },
      { source: 'file-faq', format: 'jsonl', passages: 2 },
    ]);
    expect(built.errors.map((e) => e.toJSON())).toEqual([{ code: 'invalid_record', source: 'file-broken', line: 2, field: 'text', expected: 'a string field `text` or `content`', received: 'fields body' }]);
    const search = createSearchFunction(built.index!);
    const results = await search('how long does express shipping take', 3);
    expect(results.map((r) => r.source)).toEqual(['file-shipping', 'file-shipping', 'file-faq']);
    // 8-word passages overlapping by 2: the title and first sentence, then the rest.
    expect(results.slice(0, 2).map((r) => r.text)).toEqual(['Shipping\n\nParcels ship from Rotterdam. Express shipping takes', 'shipping takes two days.']);
    expect(results[2]).toMatchObject({ line: 2, text: 'Shipping to islands takes longer.' });
    expect(formatSearchResults(results.slice(1))).toBe('[1] (file-shipping) shipping takes two days.\n\n[2] (file-faq:2) Shipping to islands takes longer.');
    expect(formatSearchResults([])).toBe('No passages found.');
  });

  it('writes the index as a committed artifact and loads it back ranking identically', async () => {
    const built = await buildRetrievalIndex(corpus, { chunking: { size: 8, overlap: 2 }, bm25: { k1: 1.6, b: 0.6 } });
    await writeIndexArtifact(store, 'indexes/round-trip', built.index!, { metadata: { jobId: 'ftjob-1' } });
    const loaded = await loadIndexArtifact(store, 'indexes/round-trip');
    expect(loaded.bm25.parameters).toEqual({ k1: 1.6, b: 0.6 });
    for (const query of ['reimbursement days', 'gift cards', 'Rotterdam parcels warehouse']) {
      expect(await loaded.search(query, 5)).toEqual(await built.index!.search(query, 5));
    }
    await expect(loadIndexArtifact(store, 'indexes/none')).rejects.toBeInstanceOf(ArtifactNotCommittedError);
    const other = await ArtifactWriter.begin(store, 'indexes/not-an-index', { kind: 'report' });
    await other.addFile('bm25.json', '{}');
    await other.commit();
    await expect(loadIndexArtifact(store, 'indexes/not-an-index')).rejects.toThrow(ArtifactIntegrityError);
  });

  it('clamps k from a tool call and answers an empty query with nothing', async () => {
    const search = createSearchFunction((await buildRetrievalIndex(corpus, { chunking: { size: 4, overlap: 1 } })).index!, { maxK: 3 });
    expect(await search('shipping parcels days', 1000)).toHaveLength(3);
    expect(await search('shipping', 0)).toHaveLength(1);
    expect(await search('   ')).toEqual([]);
  });
});

describe('embeddings and hybrid ranking', () => {
  const server = new ConceptEmbeddingsServer({ refund: 'reimbursement', money: 'reimbursement' });
  let baseURL: string;
  beforeAll(async () => (baseURL = await server.start()));
  afterAll(() => server.stop());

  it('embeds passages in batches through /v1/embeddings and finds a passage that shares no word with the query', async () => {
    const embedder = createOpenAIEmbedder({ baseURL, model: 'concepts-1', apiKey: 'sk-test', batchSize: 3 }, { maxRetries: 0 });
    const before = server.requests.length;
    const built = await buildRetrievalIndex(corpus, { chunking: { size: 8, overlap: 2 }, embedder });
    const sent = server.requests.slice(before);
    expect(sent.map((r) => r.input.length)).toEqual([3, 3, 1]);
    expect(sent[0]).toMatchObject({ model: 'concepts-1', authorization: 'Bearer sk-test' });

    const index = built.index!;
    expect(await index.search('refund', 3)).toEqual([]);
    const hybrid = await index.search('refund', 3, { embedder });
    expect(hybrid[0].passage.source).toBe('file-refunds');
    expect(hybrid[0].passage.text).toContain('reimbursement');
    expect(hybrid[0].vectorScore).toBeGreaterThan(0);
    // Where BM25 has an opinion it still counts: both rankers agree on the shipping passage.
    expect((await index.search('express shipping', 1, { embedder, vectorWeight: 0.3 }))[0].passage.source).toBe('file-shipping');

    await writeIndexArtifact(new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'retrieval-kit-vec-'))), 'idx', index);
  });

  it('round-trips vectors through the artifact and refuses a query embedded by another model', async () => {
    const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'retrieval-kit-vec-')));
    const embedder = createOpenAIEmbedder({ baseURL, model: 'concepts-1', batchSize: 16 }, { maxRetries: 0 });
    const built = await buildRetrievalIndex(corpus, { chunking: { size: 8, overlap: 2 }, embedder });
    await writeIndexArtifact(store, 'idx', built.index!);
    const loaded = await loadIndexArtifact(store, 'idx');
    expect(loaded.vectors?.model).toBe('concepts-1');
    const results = await createSearchFunction(loaded, { embedder })('money back', 1);
    expect(results[0].source).toBe('file-refunds');
    const other = createOpenAIEmbedder({ baseURL, model: 'other-model', batchSize: 16 }, { maxRetries: 0 });
    await expect(loaded.search('refund', 1, { embedder: other })).rejects.toThrow("vectors come from embeddings model 'concepts-1'");
  });

  it('reports an endpoint that fails, with its status and without the key', async () => {
    const embedder = createOpenAIEmbedder({ baseURL, model: 'concepts-1', apiKey: 'sk-secret', batchSize: 16 }, { maxRetries: 0 });
    server.failures = new Map([[server.requests.length + 1, 503]]);
    const error = (await buildRetrievalIndex(corpus, { embedder }).catch((e: unknown) => e)) as EmbeddingsEndpointError;
    expect(error).toBeInstanceOf(EmbeddingsEndpointError);
    expect(error.status).toBe(503);
    expect(error.message).not.toContain('sk-secret');
    server.failures = new Map();
  });
});
