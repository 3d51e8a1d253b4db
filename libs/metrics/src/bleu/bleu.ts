import { assertCorpus, assertExample, MetricInputError } from '../metric-input-error';
import { countNgrams, type NgramCounts } from '../text/ngram-counts';
import { splitWhitespace, stripTrailingWhitespace } from '../text/python-text';
import { tokenize13a, tokenizeNone } from './tokenize-13a';

// A port of sacrebleu 2.x's BLEU (metrics/bleu.py): same tokenization, n-gram statistics, closest reference
// length, smoothing and floored log, so that `score` equals sacrebleu's unrounded `BLEUScore.score`.

/** Smoothing methods of Chen & Cherry (2014) as sacrebleu names them; 'exp' is NIST's (mteval-v13a). */
export type BleuSmoothMethod = 'none' | 'floor' | 'add-k' | 'exp';

export interface BleuOptions {
  /** Lowercase hypothesis and references first. Default false. */
  lowercase?: boolean;
  /** '13a' (sacrebleu's default) or 'none' (already tokenized). Default '13a'. */
  tokenize?: '13a' | 'none';
  /** Default 'exp' (both sacrebleu.corpus_bleu and sacrebleu.sentence_bleu). */
  smoothMethod?: BleuSmoothMethod;
  /** Value for 'floor' (default 0.1) and 'add-k' (default 1); ignored by the others. */
  smoothValue?: number;
  /** Highest n-gram order. Default 4. */
  maxNgramOrder?: number;
  /**
   * Leave out n-gram orders the hypothesis has none of. Default: true for sentenceBleu (sacrebleu.sentence_bleu's
   * default), false for corpusBleu (sacrebleu.corpus_bleu's default).
   */
  effectiveOrder?: boolean;
}

/** sacrebleu's BLEUScore, unrounded. `score` is on a 0–100 scale. */
export interface BleuScore {
  score: number;
  /** Clipped n-gram matches per order (1..maxNgramOrder). With 'add-k', orders > 1 include the added k, as in sacrebleu. */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
  /** Per-order precisions on a 0–100 scale (smoothed where the method says so). */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** Hypothesis length in tokens (summed over the corpus). */
  sysLen: number;
  /** Closest reference length in tokens (summed over the corpus). */
  refLen: number;
}

/** Sufficient statistics of one segment: [hypLen, refLen, correct_1..N, total_1..N], sacrebleu's layout. */
type SegmentStatistics = number[];

const SMOOTH_DEFAULTS: Record<BleuSmoothMethod, number> = { none: 0, floor: 0.1, 'add-k': 1, exp: 0 };

interface ResolvedBleuOptions {
  lowercase: boolean;
  tokenize: (line: string) => string;
  smoothMethod: BleuSmoothMethod;
  smoothValue: number;
  maxNgramOrder: number;
  effectiveOrder: boolean;
}

/** BLEU of one hypothesis against one or more references, as sacrebleu.sentence_bleu(hypothesis, references). */
export function sentenceBleu(hypothesis: string, references: readonly string[], options: BleuOptions = {}): BleuScore {
  assertExample(hypothesis, references, { hypothesis: 'hypothesis', references: 'references' });
  const resolved = resolveOptions(options, true);
  return scoreFromStatistics(segmentStatistics(hypothesis, references, resolved), resolved);
}

/**
 * Corpus BLEU, as sacrebleu.corpus_bleu: statistics are summed over segments before the score is computed.
 * `references[i]` holds every reference of `hypotheses[i]` (their number may vary per segment).
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: ReadonlyArray<readonly string[]>,
  options: BleuOptions = {},
): BleuScore {
  assertCorpus(hypotheses, references);
  const resolved = resolveOptions(options, false);
  const perSegment = hypotheses.map((hypothesis, i) => segmentStatistics(hypothesis, references[i], resolved));
  const summed = perSegment[0].map((_, column) => perSegment.reduce((sum, row) => sum + row[column], 0));
  return scoreFromStatistics(summed, resolved);
}

function resolveOptions(options: BleuOptions, sentenceLevel: boolean): ResolvedBleuOptions {
  const smoothMethod = options.smoothMethod ?? 'exp';
  if (!(smoothMethod in SMOOTH_DEFAULTS)) {
    throw new MetricInputError('options.smoothMethod', "one of 'none', 'floor', 'add-k', 'exp'", smoothMethod);
  }
  const maxNgramOrder = options.maxNgramOrder ?? 4;
  if (!Number.isInteger(maxNgramOrder) || maxNgramOrder < 1) {
    throw new MetricInputError('options.maxNgramOrder', 'a positive integer', maxNgramOrder);
  }
  const tokenizer = options.tokenize ?? '13a';
  if (tokenizer !== '13a' && tokenizer !== 'none') throw new MetricInputError('options.tokenize', "'13a' or 'none'", tokenizer);
  return {
    lowercase: options.lowercase ?? false,
    tokenize: tokenizer === '13a' ? tokenize13a : tokenizeNone,
    smoothMethod,
    smoothValue: options.smoothValue ?? SMOOTH_DEFAULTS[smoothMethod],
    maxNgramOrder,
    effectiveOrder: options.effectiveOrder ?? sentenceLevel,
  };
}

function preprocess(segment: string, options: ResolvedBleuOptions): string {
  return options.tokenize(stripTrailingWhitespace(options.lowercase ? segment.toLowerCase() : segment));
}

/** All n-grams of orders 1..maxOrder and the token count (sacrebleu's extract_all_word_ngrams). */
function allNgrams(line: string, maxOrder: number): { ngrams: NgramCounts[]; length: number } {
  const tokens = splitWhitespace(line);
  const ngrams: NgramCounts[] = [];
  for (let n = 1; n <= maxOrder; n++) ngrams.push(countNgrams(tokens, n));
  return { ngrams, length: tokens.length };
}

/** The reference length closest to the hypothesis length; ties go to the shorter reference. */
function closestReferenceLength(hypothesisLength: number, referenceLengths: readonly number[]): number {
  let closestDiff = -1;
  let closestLength = -1;
  for (const length of referenceLengths) {
    const diff = Math.abs(hypothesisLength - length);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLength = length;
    } else if (diff === closestDiff && length < closestLength) {
      closestLength = length;
    }
  }
  return closestLength;
}

function segmentStatistics(hypothesis: string, references: readonly string[], options: ResolvedBleuOptions): SegmentStatistics {
  const order = options.maxNgramOrder;
  // Reference n-gram counts are merged with max over references (sacrebleu's _extract_reference_info).
  const maxReferenceCounts: NgramCounts[] = Array.from({ length: order }, () => new Map());
  const referenceLengths: number[] = [];
  for (const reference of references) {
    const { ngrams, length } = allNgrams(preprocess(reference, options), order);
    referenceLengths.push(length);
    ngrams.forEach((counts, n) => {
      for (const [ngram, count] of counts) {
        maxReferenceCounts[n].set(ngram, Math.max(maxReferenceCounts[n].get(ngram) ?? 0, count));
      }
    });
  }
  const { ngrams, length } = allNgrams(preprocess(hypothesis, options), order);
  const correct = new Array<number>(order).fill(0);
  const total = new Array<number>(order).fill(0);
  ngrams.forEach((counts, n) => {
    for (const [ngram, count] of counts) {
      total[n] += count;
      const inReferences = maxReferenceCounts[n].get(ngram);
      if (inReferences !== undefined) correct[n] += Math.min(count, inReferences);
    }
  });
  return [length, closestReferenceLength(length, referenceLengths), ...correct, ...total];
}

/** sacrebleu's my_log: log floored at -9999999999 for zero precisions. */
function flooredLog(value: number): number {
  return value === 0 ? -9999999999 : Math.log(value);
}

/** sacrebleu's BLEU.compute_bleu. */
function scoreFromStatistics(statistics: SegmentStatistics, options: ResolvedBleuOptions): BleuScore {
  const order = options.maxNgramOrder;
  const sysLen = statistics[0];
  const refLen = statistics[1];
  const correct = statistics.slice(2, 2 + order);
  const total = statistics.slice(2 + order, 2 + 2 * order);
  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;
  const precisions = new Array<number>(order).fill(0);
  if (!correct.some((count) => count !== 0)) {
    return { score: 0, counts: correct, totals: total, precisions, bp, sysLen, refLen };
  }
  let smoothMteval = 1;
  let effectiveOrder = order;
  for (let n = 1; n <= order; n++) {
    if (options.smoothMethod === 'add-k' && n > 1) {
      correct[n - 1] += options.smoothValue;
      total[n - 1] += options.smoothValue;
    }
    if (total[n - 1] === 0) break;
    if (options.effectiveOrder) effectiveOrder = n;
    if (correct[n - 1] === 0) {
      if (options.smoothMethod === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
      } else if (options.smoothMethod === 'floor') {
        precisions[n - 1] = (100 * options.smoothValue) / total[n - 1];
      }
    } else {
      precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
    }
  }
  let logSum = 0;
  for (const precision of precisions.slice(0, effectiveOrder)) logSum += flooredLog(precision);
  const score = bp * Math.exp(logSum / effectiveOrder);
  return { score, counts: correct, totals: total, precisions, bp, sysLen, refLen };
}
