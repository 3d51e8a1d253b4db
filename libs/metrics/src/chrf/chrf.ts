import { assertCorpus, assertExample, MetricInputError } from '../metric-input-error';
import { clippedMatches, countNgrams, type NgramCounts, totalCount } from '../text/ngram-counts';
import { codePoints, splitWhitespace } from '../text/python-text';

// A port of sacrebleu 2.x's CHRF (metrics/chrf.py): character n-grams over code points with whitespace removed,
// optional word n-grams (chrF++), per-segment best reference by F-score, corpus statistics summed over segments.

export interface ChrfOptions {
  /** Character n-gram order. Default 6. */
  charOrder?: number;
  /** Word n-gram order: 0 is chrF (default), 2 is chrF++. */
  wordOrder?: number;
  /** Recall is `beta` times as important as precision. Default 2. */
  beta?: number;
  /** Lowercase first. Default false. */
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams. Default false. */
  whitespace?: boolean;
  /** Epsilon smoothing as chrF++.py / NLTK / Moses, instead of sacrebleu 2's effective order. Default false. */
  epsSmoothing?: boolean;
}

/** chrF (or chrF++) on a 0–100 scale, unrounded, as sacrebleu's CHRFScore.score. */
export interface ChrfScore {
  score: number;
  /** 'chrF2' or 'chrF2++' (sacrebleu's naming). */
  name: string;
}

/** The options chrF++ is defined with (word n-grams up to 2). */
export const CHRF_PLUS_PLUS: Readonly<ChrfOptions> = Object.freeze({ wordOrder: 2 });

const PUNCTUATION = new Set(Array.from('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'));

interface ResolvedChrfOptions {
  charOrder: number;
  wordOrder: number;
  beta: number;
  lowercase: boolean;
  whitespace: boolean;
  epsSmoothing: boolean;
}

/** chrF of one hypothesis against one or more references, as sacrebleu.sentence_chrf. */
export function sentenceChrf(hypothesis: string, references: readonly string[], options: ChrfOptions = {}): ChrfScore {
  assertExample(hypothesis, references, { hypothesis: 'hypothesis', references: 'references' });
  const resolved = resolveOptions(options);
  return toScore(fScore(segmentStatistics(hypothesis, references, resolved), resolved), resolved);
}

/** Corpus chrF, as sacrebleu.corpus_chrf. `references[i]` holds every reference of `hypotheses[i]`. */
export function corpusChrf(
  hypotheses: readonly string[],
  references: ReadonlyArray<readonly string[]>,
  options: ChrfOptions = {},
): ChrfScore {
  assertCorpus(hypotheses, references);
  const resolved = resolveOptions(options);
  const perSegment = hypotheses.map((hypothesis, i) => segmentStatistics(hypothesis, references[i], resolved));
  const summed = perSegment[0].map((_, column) => perSegment.reduce((sum, row) => sum + row[column], 0));
  return toScore(fScore(summed, resolved), resolved);
}

function resolveOptions(options: ChrfOptions): ResolvedChrfOptions {
  const resolved = {
    charOrder: options.charOrder ?? 6,
    wordOrder: options.wordOrder ?? 0,
    beta: options.beta ?? 2,
    lowercase: options.lowercase ?? false,
    whitespace: options.whitespace ?? false,
    epsSmoothing: options.epsSmoothing ?? false,
  };
  if (!Number.isInteger(resolved.charOrder) || resolved.charOrder < 0) {
    throw new MetricInputError('options.charOrder', 'a non-negative integer', resolved.charOrder);
  }
  if (!Number.isInteger(resolved.wordOrder) || resolved.wordOrder < 0) {
    throw new MetricInputError('options.wordOrder', 'a non-negative integer', resolved.wordOrder);
  }
  if (resolved.charOrder + resolved.wordOrder === 0) {
    throw new MetricInputError('options', 'charOrder + wordOrder > 0', resolved.charOrder + resolved.wordOrder);
  }
  if (!(resolved.beta > 0)) throw new MetricInputError('options.beta', 'a positive number', resolved.beta);
  return resolved;
}

function toScore(score: number, options: ResolvedChrfOptions): ChrfScore {
  return { score, name: `chrF${options.beta}${'+'.repeat(options.wordOrder)}` };
}

/** Splits a punctuation mark off the end (or else the start) of each word (sacrebleu's _remove_punctuation). */
function wordsWithPunctuationSplit(sentence: string): string[] {
  const words: string[] = [];
  for (const word of splitWhitespace(sentence)) {
    const chars = codePoints(word);
    if (chars.length === 1) {
      words.push(word);
    } else if (PUNCTUATION.has(chars[chars.length - 1])) {
      words.push(chars.slice(0, -1).join(''), chars[chars.length - 1]);
    } else if (PUNCTUATION.has(chars[0])) {
      words.push(chars[0], chars.slice(1).join(''));
    } else {
      words.push(word);
    }
  }
  return words;
}

/** Character n-gram counts for orders 1..charOrder, then word n-gram counts for orders 1..wordOrder. */
function allNgrams(sentence: string, options: ResolvedChrfOptions): NgramCounts[] {
  const text = options.lowercase ? sentence.toLowerCase() : sentence;
  const chars = codePoints(options.whitespace ? text : splitWhitespace(text).join(''));
  const counts: NgramCounts[] = [];
  for (let n = 1; n <= options.charOrder; n++) {
    const ngrams: NgramCounts = new Map();
    for (let i = 0; i + n <= chars.length; i++) {
      const key = chars.slice(i, i + n).join('');
      ngrams.set(key, (ngrams.get(key) ?? 0) + 1);
    }
    counts.push(ngrams);
  }
  if (options.wordOrder > 0) {
    const words = wordsWithPunctuationSplit(text);
    for (let n = 1; n <= options.wordOrder; n++) counts.push(countNgrams(words, n));
  }
  return counts;
}

/** [hyp, ref, match] per order, flattened, against the reference with the best F-score (first one on ties). */
function segmentStatistics(hypothesis: string, references: readonly string[], options: ResolvedChrfOptions): number[] {
  const hypothesisNgrams = allNgrams(hypothesis, options);
  let best: number[] = [];
  let bestF = -1;
  for (const reference of references) {
    const referenceNgrams = allNgrams(reference, options);
    const statistics: number[] = [];
    hypothesisNgrams.forEach((hypothesisCounts, order) => {
      const referenceCounts = referenceNgrams[order];
      // sacrebleu counts hypothesis n-grams only where the reference has n-grams of that order.
      statistics.push(referenceCounts.size > 0 ? totalCount(hypothesisCounts) : 0);
      statistics.push(totalCount(referenceCounts));
      statistics.push(clippedMatches(hypothesisCounts, referenceCounts));
    });
    const f = fScore(statistics, options);
    if (f > bestF) {
      bestF = f;
      best = statistics;
    }
  }
  return best;
}

/** sacrebleu's CHRF._compute_f_score, on a 0–100 scale. */
function fScore(statistics: readonly number[], options: ResolvedChrfOptions): number {
  const eps = 1e-16;
  const order = options.charOrder + options.wordOrder;
  const factor = options.beta ** 2;
  let score = 0;
  let effectiveOrder = 0;
  let averagePrecision = 0;
  let averageRecall = 0;
  for (let i = 0; i < order; i++) {
    const [hypothesisCount, referenceCount, matchCount] = statistics.slice(3 * i, 3 * i + 3);
    const precision = hypothesisCount > 0 ? matchCount / hypothesisCount : eps;
    const recall = referenceCount > 0 ? matchCount / referenceCount : eps;
    const denominator = factor * precision + recall;
    score += denominator > 0 ? ((1 + factor) * precision * recall) / denominator : eps;
    if (hypothesisCount > 0 && referenceCount > 0) {
      averagePrecision += precision;
      averageRecall += recall;
      effectiveOrder += 1;
    }
  }
  if (options.epsSmoothing) return (100 * score) / order;
  if (effectiveOrder === 0) {
    averagePrecision = 0;
    averageRecall = 0;
  } else {
    averagePrecision /= effectiveOrder;
    averageRecall /= effectiveOrder;
  }
  if (averagePrecision + averageRecall) {
    const combined = ((1 + factor) * averagePrecision * averageRecall) / (factor * averagePrecision + averageRecall);
    return 100 * combined;
  }
  return 0;
}
