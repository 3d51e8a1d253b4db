import { Inject, Injectable } from '@nestjs/common';
import {
  createMessage,
  MAX_RETRIEVAL_ERRORS,
  retrievalIndexCompletedV1,
  type MessageOf,
  type PayloadOf,
  type RetrievalError,
  type retrievalIndexRequestedV1,
} from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import {
  buildRetrievalIndex,
  createOpenAIEmbedder,
  embeddingsEndpointFromEnv,
  EmbeddingsEndpointError,
  writeIndexArtifact,
  type DocumentError,
  type Embedder,
} from '@tuneforge/retrieval-kit';
import { ARTIFACT_STORE, LOGGER, MESSAGE_BUS, SERVICE_CONFIG } from '@tuneforge/service-kit';
import { ArtifactNotCommittedError, openArtifact, type ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import type { RetrievalConfig } from '../config/retrieval-config';
import { indexArtifactKey } from './index-artifact-key';
import { readStoredDocuments } from './read-stored-documents';

type Request = MessageOf<typeof retrievalIndexRequestedV1>;
type Result = PayloadOf<typeof retrievalIndexCompletedV1>;
type Succeeded = Extract<Result, { status: 'succeeded' }>;

const REQUEST = '<request>';

/**
 * Runs one indexing task end to end and emits its result. A bad document is part of the result (its
 * errors listed, the other documents indexed), never an exception, so one user's broken file costs
 * neither the job's other documents nor the partition. When no document can be indexed, or the
 * embeddings endpoint fails after its retries, the result is `failed` with the reasons.
 *
 * Indexing runs inside the consumer callback: sized for knowledge bases of some megabytes (seconds).
 * Much larger corpora, or slow embedding endpoints, belong in a tracked background task that reports
 * through the same event.
 */
@Injectable()
export class IndexingService {
  private readonly embedder?: Embedder;

  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) config: Partial<RetrievalConfig>,
  ) {
    const endpoint = embeddingsEndpointFromEnv(config);
    if (endpoint) {
      this.embedder = createOpenAIEmbedder(endpoint);
      this.logger.info({ baseURL: endpoint.baseURL, model: endpoint.model }, 'embeddings endpoint configured: indexes rank hybrid');
    }
  }

  async index(request: Request): Promise<void> {
    const result = await this.run(request);
    this.logger.info({ jobId: result.jobId, taskId: result.taskId, status: result.status, counts: result.counts, errorCount: result.errorCount }, 'retrieval indexing finished');
    await this.bus.publish(
      retrievalIndexCompletedV1,
      createMessage(retrievalIndexCompletedV1, result, { correlationId: request.correlationId, tenant: request.tenant, causedBy: request }),
    );
  }

  private async run(request: Request): Promise<Result> {
    const { taskId, jobId, documents, chunking, bm25 } = request.payload;
    const store = this.store.forTenant(request.tenant);
    const index = indexArtifactKey(jobId, taskId);
    const committed = await this.findCommitted(store, index);
    if (committed) return committed;

    // Passages cite a document by its file name, unless two documents share one (then by key).
    const names = documents.map((d) => d.filename);
    const unique = documents.map((d) => ({ ...d, filename: d.filename && names.indexOf(d.filename) === names.lastIndexOf(d.filename) ? d.filename : undefined }));
    const keyBySource = new Map(unique.map((d) => [d.filename ?? d.key, d.key]));
    const stored = await readStoredDocuments(store, unique);

    let built;
    try {
      built = await buildRetrievalIndex(stored.inputs, { chunking, bm25, embedder: this.embedder });
    } catch (error) {
      if (!(error instanceof EmbeddingsEndpointError)) throw error;
      const failure: RetrievalError = {
        code: 'embeddings_failed',
        document: REQUEST,
        field: '',
        expected: `the configured embeddings endpoint (model ${this.embedder?.model}) to answer`,
        received: `${error.status !== undefined ? `HTTP ${error.status}: ` : ''}${error.message}`.slice(0, 200),
      };
      return { taskId, jobId, status: 'failed', counts: { documents: documents.length, indexedDocuments: 0, failedDocuments: 0, passages: 0 }, errors: [failure], errorCount: 1 };
    }

    // Errors in the order the task lists its documents (a document's own errors in line order).
    const position = new Map(documents.map((d, i) => [d.key, i]));
    const errors = [...stored.errors, ...built.errors]
      .map((e) => toRetrievalError(e, keyBySource))
      .sort((a, b) => (position.get(a.document) ?? 0) - (position.get(b.document) ?? 0));
    const failedDocuments = new Set(errors.map((e) => e.document)).size;
    const counts = { documents: documents.length, indexedDocuments: built.documents.length, failedDocuments, passages: built.index?.bm25.size ?? 0 };
    const listed = { errors: errors.slice(0, MAX_RETRIEVAL_ERRORS), errorCount: errors.length };
    if (!built.index) return { taskId, jobId, status: 'failed', counts, ...listed };

    const result: Succeeded = {
      taskId,
      jobId,
      status: 'succeeded',
      index,
      counts,
      documents: built.documents.map((d) => ({ key: keyBySource.get(d.source) ?? d.source, source: d.source, format: d.format, passages: d.passages })),
      ...(built.index.vectors && { embeddings: { model: built.index.vectors.model, dimensions: built.index.vectors.dimensions } }),
      ...listed,
    };
    // The result rides in the manifest, so a redelivered task answers the same without indexing again.
    await writeIndexArtifact(store, index, built.index, { metadata: { jobId, taskId, requestMessageId: request.messageId, chunking, bm25, result }, replaceUncommitted: true });
    return result;
  }

  private async findCommitted(store: ArtifactStore, prefix: string): Promise<Succeeded | undefined> {
    try {
      const artifact = await openArtifact(store, prefix);
      const parsed = retrievalIndexCompletedV1.payload.safeParse(artifact.manifest.metadata?.result);
      return parsed.success && parsed.data.status === 'succeeded' ? parsed.data : undefined;
    } catch (error) {
      if (error instanceof ArtifactNotCommittedError) return undefined;
      throw error;
    }
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
