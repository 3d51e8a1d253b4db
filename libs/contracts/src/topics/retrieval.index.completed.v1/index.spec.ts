import { createMessage } from '../../message-factory';
import { retrievalIndexRequestedV1 } from '../retrieval.index.requested.v1';
import { MAX_RETRIEVAL_ERRORS, retrievalIndexCompletedV1 } from './index';

describe('retrieval index topics', () => {
  it('a request gets default chunking and BM25 parameters and refuses an overlap as large as the size', () => {
    const payload = { taskId: 'idx-1', jobId: 'ftjob-abc', documents: [{ key: 'files/file-1/content', filename: 'faq.md' }] };
    const parsed = retrievalIndexRequestedV1.payload.parse(payload);
    expect(parsed).toEqual({ ...payload, chunking: { size: 200, overlap: 40 }, bm25: { k1: 1.2, b: 0.75 } });
    const message = createMessage(retrievalIndexRequestedV1, parsed, { correlationId: 'ftjob-abc', tenant: 'acme' });
    expect(retrievalIndexRequestedV1.envelope.parse(message).payload).toEqual(parsed);
    const bad = retrievalIndexRequestedV1.payload.safeParse({ ...payload, chunking: { size: 64, overlap: 64 } });
    expect(bad.success ? [] : bad.error.issues.map((i) => i.path.join('.'))).toEqual(['chunking.overlap']);
    expect(retrievalIndexRequestedV1.payload.safeParse({ ...payload, documents: [] }).success).toBe(false);
    expect(retrievalIndexRequestedV1.payload.safeParse({ ...payload, documents: [{ key: 'k', format: 'pdf' }] }).success).toBe(false);
  });

  it('a success may list the documents that failed; a failure lists at least one error', () => {
    const counts = { documents: 2, indexedDocuments: 1, failedDocuments: 1, passages: 3 };
    const error = { code: 'invalid_record', document: 'files/file-2/content', line: 4, field: 'text', expected: 'a non-empty string' };
    const succeeded = {
      taskId: 'idx-1',
      jobId: 'ftjob-abc',
      status: 'succeeded' as const,
      index: 'jobs/ftjob-abc/retrieval/idx-1/index',
      counts,
      documents: [{ key: 'files/file-1/content', source: 'faq.md', format: 'markdown' as const, passages: 3 }],
      errors: [error],
      errorCount: 1,
    };
    expect(retrievalIndexCompletedV1.payload.parse(succeeded)).toEqual(succeeded);
    const failed = { taskId: 'idx-1', jobId: 'ftjob-abc', status: 'failed' as const, counts, errors: [error], errorCount: 1 };
    expect(retrievalIndexCompletedV1.payload.parse(failed)).toEqual(failed);
    expect(retrievalIndexCompletedV1.payload.safeParse({ ...failed, errors: [] }).success).toBe(false);
    expect(retrievalIndexCompletedV1.payload.safeParse({ ...failed, errors: Array(MAX_RETRIEVAL_ERRORS + 1).fill(error) }).success).toBe(false);
  });
});
