/** A multiset of n-grams (Python's collections.Counter); n-grams are keyed by their tokens joined with a space. */
export type NgramCounts = Map<string, number>;

/** Counts of the n-grams of exactly order `n` in `tokens` (keys: tokens joined with a space). */
export function countNgrams(tokens: readonly string[], n: number): NgramCounts {
  const counts: NgramCounts = new Map();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Total number of n-grams counted. */
export function totalCount(counts: NgramCounts): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}

/** Size of the multiset intersection (sum over keys of the smaller count), i.e. clipped matches. */
export function clippedMatches(hypothesis: NgramCounts, reference: NgramCounts): number {
  let matches = 0;
  for (const [ngram, count] of hypothesis) {
    const inReference = reference.get(ngram);
    if (inReference !== undefined) matches += Math.min(count, inReference);
  }
  return matches;
}
