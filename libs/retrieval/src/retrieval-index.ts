import { Bm25Index, topK } from './bm25/bm25-index';
import type { Passage } from './chunking/passage';
import { normalize, type Embedder } from './embeddings/embedder';
import { PassageVectors } from './passage-vectors';

/** One passage a search returns: where it is from, its text, and why it ranked where it did. */
export interface SearchHit {
  passage: Passage;
  /** What the order is by: the BM25 score, or the hybrid score from 0 to 1 when vectors took part. */
  score: number;
  bm25Score: number;
  /** Cosine similarity with the query, when vectors took part. */
  vectorScore?: number;
}

export interface SearchOptions {
  /** Embeds the query for hybrid ranking; must be the model the index's vectors came from. */
  embedder?: Embedder;
  /** Share of the vector similarity in the hybrid score (0 = BM25 order, 1 = vector order). Default 0.5. */
  vectorWeight?: number;
}

/** Each ranker proposes this many times k candidates before the hybrid score orders them. */
const CANDIDATE_FACTOR = 4;

/**
 * A searchable index: BM25 always, passage vectors when the index was built with an embedder. Without
 * vectors, or without an embedder at query time, ranking is BM25 alone. With both, each ranker proposes
 * candidates, and each candidate's BM25 score and cosine similarity are min-max scaled to [0, 1] over the
 * candidates and mixed by `vectorWeight`: BM25 scores have no fixed scale, so they cannot be added to
 * similarities as they are.
 */
export class RetrievalIndex {
  constructor(
    readonly bm25: Bm25Index,
    readonly vectors?: PassageVectors,
  ) {
    if (vectors && vectors.count !== bm25.size) throw new RangeError(`the index has ${bm25.size} passages but ${vectors.count} vectors`);
  }

  get passages(): readonly Passage[] {
    return this.bm25.passages;
  }

  async search(query: string, k: number, options: SearchOptions = {}): Promise<SearchHit[]> {
    const bm25 = this.bm25.scores(query);
    const { embedder } = options;
    if (!this.vectors || !embedder) return topK(bm25, k).map(([index, score]) => ({ passage: this.passages[index], score, bm25Score: score }));
    if (embedder.model !== this.vectors.model) {
      throw new RangeError(`the index's vectors come from embeddings model '${this.vectors.model}'; a query embedded with '${embedder.model}' cannot be compared with them`);
    }
    const weight = options.vectorWeight ?? 0.5;
    if (!(weight >= 0 && weight <= 1)) throw new RangeError(`vectorWeight: expected a number from 0 to 1, received ${weight}`);
    const [queryVector] = await embedder.embed([query]);
    const similarities = this.vectors.similarities(normalize(queryVector));
    const pool = Math.max(k, 1) * CANDIDATE_FACTOR;
    const candidates = new Set<number>(topK(bm25, pool).map(([i]) => i));
    for (const [i] of topK(new Map([...similarities].map((s, i) => [i, s])), pool)) candidates.add(i);
    const scale = (values: number[]) => {
      const min = Math.min(...values);
      const span = Math.max(...values) - min;
      return (value: number) => (span === 0 ? (value > 0 ? 1 : 0) : (value - min) / span);
    };
    const list = [...candidates];
    const bm25Scaled = scale(list.map((i) => bm25.get(i) ?? 0));
    const vectorScaled = scale(list.map((i) => similarities[i]));
    const hybrid = new Map(list.map((i) => [i, (1 - weight) * bm25Scaled(bm25.get(i) ?? 0) + weight * vectorScaled(similarities[i])]));
    return topK(hybrid, k).map(([index, score]) => ({ passage: this.passages[index], score, bm25Score: bm25.get(index) ?? 0, vectorScore: similarities[index] }));
  }
}
