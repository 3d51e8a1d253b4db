/**
 * Index terms of a text: Unicode letters and digits in runs, compatibility-normalized and lower-cased
 * (so `Ｆｕｌｌ-width`, `Full` and `FULL` meet). No stemming and no stop words: BM25's IDF already makes
 * `the` worth almost nothing, and a stemmer for one language would be wrong for the others.
 */
export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}
