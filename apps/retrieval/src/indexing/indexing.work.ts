import { Inject, Injectable } from '@nestjs/common';
import {
  MAX_RETRIEVAL_ERRORS,
  retrievalIndexCompletedV1,
  type PayloadOf,
  type RetrievalError,
  type retrievalIndexRequestedV1,
} from '@tuneforge/contracts';
import {
  buildRetrievalIndex,
  createOpenAIEmbedder,
  embeddingsEndpointFromEnv,
  EmbeddingsEndpointError,
  writeIndexArtifact,
  type DocumentError,
  type Embedder,
  type RetrievalIndex,
} from '@tuneforge/retrieval-kit';
import { LOGGER, SERVICE_CONFIG, type ResultLogLine, type Task, type TaskWork, type WorkDone } from '@tuneforge/service-kit';
import { ArtifactNotCommittedError, openArtifact } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import type { RetrievalConfig } from '../config/retrieval-config';
import { indexArtifactKey } from './index-artifact-key';
import { readStoredDocuments } from './read-stored-documents';

type Requested = typeof retrievalIndexRequestedV1;
type Result = PayloadOf<typeof retrievalIndexCompletedV1>;
type Succeeded = Extract<Result, { status: 'succeeded' }>;
type IndexingTask = Task<Requested, string>;

const REQUEST = '<request>';

/**
 * Retrieval's work in the task worker (libs/service-kit): one indexing task, its index under the job and
 * task id. A bad document is part of the result (its errors listed, the other documents indexed), never an
 * exception, so one user's broken file costs neither the job's other documents nor the partition. When no
 * document can be indexed, or the embeddings endpoint fails after its retries, the result is `failed` with
 * the reasons.
 *
 * Indexing runs inside the consumer callback: sized for knowledge bases of some megabytes (seconds).
 * Much larger corpora, or slow embedding endpoints, belong in a tracked background task that reports
 * through the same event.
 */
@Injectable()
export class IndexingWork implements TaskWork<Requested, typeof retrievalIndexCompletedV1, string, RetrievalIndex> {
  private readonly embedder?: Embedder;

  constructor(
    @Inject(LOGGER) logger: Logger,
    @Inject(SERVICE_CONFIG) config: Partial<RetrievalConfig>,
  ) {
    const endpoint = embeddingsEndpointFromEnv(config);
    if (endpoint) {
      this.embedder = createOpenAIEmbedder(endpoint);
      logger.info({ baseURL: endpoint.baseURL, model: endpoint.model }, 'embeddings endpoint configured: indexes rank hybrid');
    }
  }

  resultKey(payload: PayloadOf<Requested>): string {
    return indexArtifactKey(payload.jobId, payload.taskId);
  }

  /** The result rides in the index's manifest, so a redelivered task answers the same without indexing again. */
  async findStored({ store, key }: IndexingTask): Promise<Succeeded | undefined> {
    try {
      const artifact = await openArtifact(store, key);
      const parsed = retrievalIndexCompletedV1.payload.safeParse(artifact.manifest.metadata?.result);
      return parsed.success && parsed.data.status === 'succeeded' ? parsed.data : undefined;
    } catch (error) {
      if (error instanceof ArtifactNotCommittedError) return undefined;
      throw error;
    }
  }

  async work({ request, store, key }: IndexingTask): Promise<WorkDone<Result, RetrievalIndex>> {
    const { taskId, jobId, documents, chunking, bm25 } = request.payload;
    // Passages cite a document by its file name, unless two documents share one (then by key).
    const names = documents.map((d) => d.filename);
    const unique = documents.map((d) => ({ ...d, filename: d.filename && names.indexOf(d.filename) === names.lastIndexOf(d.filename) ? d.filename : undefined }));
    const keyBySource = new Map(unique.map((d) => [d.filename ?? d.key, d.key]));
    const stored = await readStoredDocuments(store, unique);
    const built = await buildRetrievalIndex(stored.inputs, { chunking, bm25, embedder: this.embedder });

    // Errors in the order the task lists its documents (a document's own errors in line order).
    const position = new Map(documents.map((d, i) => [d.key, i]));
    const errors = [...stored.errors, ...built.errors]
      .map((e) => toRetrievalError(e, keyBySource))
      .sort((a, b) => (position.get(a.document) ?? 0) - (position.get(b.document) ?? 0));
    const failedDocuments = new Set(errors.map((e) => e.document)).size;
    const counts = { documents: documents.length, indexedDocuments: built.documents.length, failedDocuments, passages: built.index?.bm25.size ?? 0 };
    const listed = { errors: errors.slice(0, MAX_RETRIEVAL_ERRORS), errorCount: errors.length };
    if (!built.index) return { failed: { taskId, jobId, status: 'failed', counts, ...listed } };

    const result: Succeeded = {
      taskId,
      jobId,
      status: 'succeeded',
      index: key,
      counts,
      documents: built.documents.map((d) => ({ key: keyBySource.get(d.source) ?? d.source, source: d.source, format: d.format, passages: d.passages })),
      ...(built.index.vectors && { embeddings: { model: built.index.vectors.model, dimensions: built.index.vectors.dimensions } }),
      ...listed,
    };
    return { succeeded: result, output: built.index };
  }

  store({ request, store, key }: IndexingTask, result: Result, index: RetrievalIndex): Promise<void> {
    const { jobId, taskId, chunking, bm25 } = request.payload;
    return writeIndexArtifact(store, key, index, { metadata: { jobId, taskId, requestMessageId: request.messageId, chunking, bm25, result }, replaceUncommitted: true });
  }

  /** The embeddings endpoint still failing after its retries fails the task, with its status (never the key). */
  failure(error: unknown, { request }: IndexingTask): Result | undefined {
    if (!(error instanceof EmbeddingsEndpointError)) return undefined;
    const { taskId, jobId, documents } = request.payload;
    const failure: RetrievalError = {
      code: 'embeddings_failed',
      document: REQUEST,
      field: '',
      expected: `the configured embeddings endpoint (model ${this.embedder?.model}) to answer`,
      received: `${error.status !== undefined ? `HTTP ${error.status}: ` : ''}${error.message}`.slice(0, 200),
    };
    return { taskId, jobId, status: 'failed', counts: { documents: documents.length, indexedDocuments: 0, failedDocuments: 0, passages: 0 }, errors: [failure], errorCount: 1 };
  }

  logLine(result: Result): ResultLogLine {
    return { level: 'info', message: 'retrieval indexing finished', fields: { jobId: result.jobId, taskId: result.taskId, status: result.status, counts: result.counts, errorCount: result.errorCount } };
  }
}

function toRetrievalError(error: DocumentError, keyBySource: ReadonlyMap<string, string>): RetrievalError {
  const { code, source, line, field, expected, received } = error.details;
  return {
    code,
    document: keyBySource.get(source) ?? source,
    ...(line !== undefined && { line }),
    field,
    expected,
    ...(received !== undefined && { received: received.slice(0, 200) }),
  };
}
