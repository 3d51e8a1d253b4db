import { assertExample } from '../metric-input-error';
import { countNgrams, type NgramCounts } from '../text/ngram-counts';
import { splitWhitespace } from '../text/python-text';

// A port of nltk 3.x's sentence GLEU (nltk.translate.gleu_score.sentence_gleu, Wu et al. 2016): over all n-grams of
// orders minLen..maxLen, matches ÷ max(hypothesis n-grams, reference n-grams), i.e. min(precision, recall). With
// several references, the one with the best ratio counts. nltk takes token lists; here a text is tokenized as
// Python's `str.split()` does, which is what callers of nltk on raw text usually pass.

export interface GleuOptions {
  /** Shortest n-gram order. Default 1. */
  minLen?: number;
  /** Longest n-gram order. Default 4. */
  maxLen?: number;
}

function everygrams(tokens: readonly string[], minLen: number, maxLen: number): NgramCounts {
  const all: NgramCounts = new Map();
  for (let n = minLen; n <= maxLen; n++) {
    // Orders are kept apart in the keys: a bigram never collides with a unigram that contains a space.
    for (const [ngram, count] of countNgrams(tokens, n)) all.set(`${n}\u0000${ngram}`, count);
  }
  return all;
}

const total = (counts: NgramCounts) => [...counts.values()].reduce((sum, count) => sum + count, 0);

/** GLEU of one hypothesis against one or more references, on a 0–1 scale, as nltk's sentence_gleu on `str.split()` tokens. */
export function sentenceGleu(hypothesis: string, references: readonly string[], options: GleuOptions = {}): number {
  assertExample(hypothesis, references, { hypothesis: 'hypothesis', references: 'references' });
  const minLen = options.minLen ?? 1;
  const maxLen = options.maxLen ?? 4;
  const hypothesisNgrams = everygrams(splitWhitespace(hypothesis), minLen, maxLen);
  const hypothesisTotal = total(hypothesisNgrams);
  let best: [number, number] | undefined;
  for (const reference of references) {
    const referenceNgrams = everygrams(splitWhitespace(reference), minLen, maxLen);
    let matches = 0;
    for (const [ngram, count] of referenceNgrams) matches += Math.min(count, hypothesisNgrams.get(ngram) ?? 0);
    const all = Math.max(hypothesisTotal, total(referenceNgrams));
    // nltk skips a reference with no n-grams on either side, and keeps the first of equal ratios (max()).
    if (all > 0 && (!best || matches / all > best[0] / best[1])) best = [matches, all];
  }
  return best ? best[0] / best[1] : 0;
}
