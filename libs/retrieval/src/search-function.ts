import type { ArtifactStore } from '@tuneforge/storage';
import { loadIndexArtifact } from './artifact/index-artifact';
import type { Embedder } from './embeddings/embedder';
import type { RetrievalIndex } from './retrieval-index';

/** A passage as a tool or a prompt shows it: plain data, JSON-safe. */
export interface SearchResult {
  text: string;
  source: string;
  /** JSONL record line, when the document was JSONL. */
  line?: number;
  start: number;
  end: number;
  score: number;
}

/** `search(query, k)`: the shape an agent's retrieval tool takes. */
export type SearchFunction = (query: string, k?: number) => Promise<SearchResult[]>;

export interface SearchFunctionOptions {
  /** Results when the caller gives no k. Default 5. */
  defaultK?: number;
  /** Upper bound on k, whatever the caller (a model writing tool arguments) asks for. Default 50. */
  maxK?: number;
  embedder?: Embedder;
  vectorWeight?: number;
}

/**
 * A search function over an index, for agent tools and data augmentation. k is clamped to
 * [1, maxK] and rounded, because a model filling in tool arguments will sometimes ask for 0, 1e9 or 2.5;
 * an empty query has no results rather than an error.
 */
export function createSearchFunction(index: RetrievalIndex, options: SearchFunctionOptions = {}): SearchFunction {
  const defaultK = options.defaultK ?? 5;
  const maxK = options.maxK ?? 50;
  return async (query: string, k?: number) => {
    if (typeof query !== 'string' || query.trim() === '') return [];
    const wanted = Math.min(maxK, Math.max(1, Math.round(Number.isFinite(k) ? (k as number) : defaultK)));
    const hits = await index.search(query, wanted, { embedder: options.embedder, vectorWeight: options.vectorWeight });
    return hits.map(({ passage, score }) => ({
      text: passage.text,
      source: passage.source,
      ...(passage.line !== undefined && { line: passage.line }),
      start: passage.start,
      end: passage.end,
      score,
    }));
  };
}

/** Loads the index artifact at `prefix` and returns a search function over it. */
export async function loadSearchFunction(store: ArtifactStore, prefix: string, options: SearchFunctionOptions = {}): Promise<SearchFunction> {
  return createSearchFunction(await loadIndexArtifact(store, prefix), options);
}

/** Results as numbered text an agent reads as an observation or a prompt carries as context. */
export function formatSearchResults(results: readonly SearchResult[]): string {
  if (results.length === 0) return 'No passages found.';
  return results.map((r, i) => `[${i + 1}] (${r.source}${r.line !== undefined ? `:${r.line}` : ''}) ${r.text}`).join('\n\n');
}
