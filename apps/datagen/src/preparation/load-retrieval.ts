import type { PayloadOf, dataPreparationRequestedV1 } from '@tuneforge/contracts';
import { DatasetError } from '@tuneforge/datasets';
import { loadSearchFunction } from '@tuneforge/retrieval-kit';
import { ArtifactIntegrityError, ArtifactNotCommittedError, type ArtifactStore } from '@tuneforge/storage';
import type { RetrievalAugmentation } from './augment-with-retrieval';

type RetrievalRequest = NonNullable<PayloadOf<typeof dataPreparationRequestedV1>['retrieval']>;

/**
 * The search function over the index a task names (a `retrieval-index` artifact the retrieval service
 * wrote). An index that is not there or not an index is the task's error (returned, never retried); a
 * store that cannot be reached propagates (retriable). Ranking is BM25: datagen has no embeddings
 * endpoint of its own, and an index with vectors ranks by BM25 when queried without one.
 */
export async function loadRetrievalFromStore(store: ArtifactStore, request: RetrievalRequest): Promise<{ retrieval: RetrievalAugmentation } | { error: DatasetError }> {
  try {
    return { retrieval: { search: await loadSearchFunction(store, request.index, { maxK: request.k }), k: request.k } };
  } catch (error) {
    if (!(error instanceof ArtifactNotCommittedError) && !(error instanceof ArtifactIntegrityError)) throw error;
    const received = error instanceof ArtifactNotCommittedError ? 'no committed artifact at this key' : error.message.slice(0, 160);
    return { error: new DatasetError({ code: 'read_failed', file: request.index, path: 'retrieval.index', expected: 'a committed retrieval-index artifact (retrieval.index.completed.v1 names it)', received }) };
  }
}
