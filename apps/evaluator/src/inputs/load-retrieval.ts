import type { SearchFunction } from '@tuneforge/agents';
import { loadSearchFunction } from '@tuneforge/retrieval-kit';
import { ArtifactNotCommittedError, ArtifactNotFoundError, type ArtifactStore } from '@tuneforge/storage';
import { EvaluationInputError } from '../evaluation/evaluation-input-error';

/** The job's retrieval index as a search function for the agent's `search` tool. */
export async function loadRetrieval(store: ArtifactStore, prefix: string): Promise<SearchFunction> {
  try {
    return await loadSearchFunction(store, prefix);
  } catch (error) {
    if (error instanceof ArtifactNotCommittedError || error instanceof ArtifactNotFoundError) {
      throw new EvaluationInputError(`retrievalIndex: no committed retrieval index at ${prefix}`);
    }
    throw error;
  }
}
