import { z } from 'zod';
import type { Passage } from '../chunking/passage';
import { tokenize } from './tokenize';

export interface Bm25Parameters {
  /** Term-frequency saturation: how quickly repeating a word stops adding to the score. */
  k1: number;
  /** Length normalization: 0 ignores passage length, 1 scales fully by length relative to the average. */
  b: number;
}

export const DEFAULT_BM25: Bm25Parameters = { k1: 1.2, b: 0.75 };

export interface ScoredPassage {
  passage: Passage;
  score: number;
}

export const BM25_FORMAT = 'tuneforge-bm25';

const passageSchema = z.strictObject({
  id: z.string(),
  source: z.string(),
  line: z.number().int().positive().optional(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  text: z.string(),
});

const parametersSchema = z.strictObject({ k1: z.number().nonnegative(), b: z.number().min(0).max(1) });

/** The index as JSON: passages, their lengths in terms, and per term the passages that hold it with counts. */
export const serializedBm25Schema = z.strictObject({
  format: z.literal(BM25_FORMAT),
  version: z.literal(1),
  parameters: parametersSchema,
  passages: z.array(passageSchema),
  lengths: z.array(z.number().int().nonnegative()),
  /** `[term, [[passage index, term count], ...]]`, terms sorted; an array, not an object, so any term (`__proto__`) is safe. */
  postings: z.array(z.tuple([z.string(), z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()]))])),
});
export type SerializedBm25 = z.infer<typeof serializedBm25Schema>;

/**
 * Okapi BM25 over passages. The IDF is ln(1 + (N - df + 0.5) / (df + 0.5)), the form Lucene uses: the
 * original ln((N - df + 0.5) / (df + 0.5)) goes negative for a term in more than half the passages, which
 * would rank a passage lower for containing a query word. Immutable once built; serializes to JSON and
 * loads back to an index that ranks identically.
 */
export class Bm25Index {
  private readonly averageLength: number;

  private constructor(
    readonly parameters: Bm25Parameters,
    readonly passages: readonly Passage[],
    private readonly lengths: readonly number[],
    private readonly postings: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>,
  ) {
    this.averageLength = lengths.length === 0 ? 0 : lengths.reduce((a, b) => a + b, 0) / lengths.length;
  }

  static build(passages: readonly Passage[], parameters: Bm25Parameters = DEFAULT_BM25): Bm25Index {
    assertValidParameters(parameters);
    const lengths: number[] = [];
    const postings = new Map<string, Array<[number, number]>>();
    passages.forEach((passage, index) => {
      const counts = new Map<string, number>();
      const terms = tokenize(passage.text);
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
      lengths.push(terms.length);
      for (const [term, count] of counts) {
        let list = postings.get(term);
        if (!list) postings.set(term, (list = []));
        list.push([index, count]);
      }
    });
    return new Bm25Index({ ...parameters }, [...passages], lengths, postings);
  }

  /** Loads what toJSON wrote; refuses anything else with an error that names the field. */
  static fromJSON(json: unknown): Bm25Index {
    const parsed = serializedBm25Schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TypeError(`not a ${BM25_FORMAT} index: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const { parameters, passages, lengths, postings } = parsed.data;
    if (lengths.length !== passages.length) throw new TypeError(`not a ${BM25_FORMAT} index: lengths has ${lengths.length} entries for ${passages.length} passages`);
    for (const [term, list] of postings) {
      if (list.some(([index]) => index >= passages.length)) throw new TypeError(`not a ${BM25_FORMAT} index: postings of '${term}' point past the last passage`);
    }
    return new Bm25Index(parameters, passages, lengths, new Map(postings));
  }

  toJSON(): SerializedBm25 {
    const terms = [...this.postings.keys()].sort();
    return {
      format: BM25_FORMAT,
      version: 1,
      parameters: { ...this.parameters },
      passages: [...this.passages],
      lengths: [...this.lengths],
      postings: terms.map((term) => [term, (this.postings.get(term) ?? []).map(([i, c]) => [i, c] as [number, number])]),
    };
  }

  get size(): number {
    return this.passages.length;
  }

  /** BM25 score of every passage that shares a term with the query, by passage index. */
  scores(query: string): Map<number, number> {
    const { k1, b } = this.parameters;
    const n = this.passages.length;
    const scores = new Map<number, number>();
    // A query word said twice counts twice, as in the Okapi formula's query-term frequency with k3 = ∞.
    for (const term of tokenize(query)) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
      for (const [index, tf] of list) {
        const norm = k1 * (1 - b + (b * this.lengths[index]) / (this.averageLength || 1));
        scores.set(index, (scores.get(index) ?? 0) + (idf * (tf * (k1 + 1))) / (tf + norm));
      }
    }
    return scores;
  }

  /** The k best passages for the query, best first; ties keep passage order. Passages sharing no term are never returned. */
  search(query: string, k: number): ScoredPassage[] {
    return topK(this.scores(query), k).map(([index, score]) => ({ passage: this.passages[index], score }));
  }
}

export function assertValidParameters(parameters: Bm25Parameters): void {
  if (!(parameters.k1 >= 0) || !Number.isFinite(parameters.k1)) throw new RangeError(`bm25.k1: expected a finite number >= 0, received ${parameters.k1}`);
  if (!(parameters.b >= 0 && parameters.b <= 1)) throw new RangeError(`bm25.b: expected a number from 0 to 1, received ${parameters.b}`);
}

/** The k highest entries by score, then by index. */
export function topK(scores: ReadonlyMap<number, number>, k: number): Array<[number, number]> {
  return [...scores].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, Math.max(0, Math.floor(k)));
}
