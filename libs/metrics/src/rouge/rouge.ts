import { assertCorpus, assertExample, MetricInputError } from '../metric-input-error';
import { countNgrams } from '../text/ngram-counts';
import { rougeTokenize } from './rouge-tokenize';

// A port of Google's rouge-score 0.1.x (rouge_score/rouge_scorer.py) with its default tokenizer. Several references:
// like RougeScorer.score_multi, per ROUGE type the reference with the highest F-measure (the first on ties) is kept.
// Corpus level: the mean over examples of precision, recall and F-measure separately.

// rouge3..rouge5 are rouge-score's rougeN for N = 3..5 (OpenAI's text_similarity grader offers rouge_1..rouge_5).
export type RougeType = 'rouge1' | 'rouge2' | 'rouge3' | 'rouge4' | 'rouge5' | 'rougeL' | 'rougeLsum';

export const ROUGE_TYPES: readonly RougeType[] = ['rouge1', 'rouge2', 'rouge3', 'rouge4', 'rouge5', 'rougeL', 'rougeLsum'];

/** Precision, recall and F-measure on a 0–1 scale (rouge-score's Score tuple). */
export interface RougePrf {
  precision: number;
  recall: number;
  fmeasure: number;
}

export type RougeScores = Partial<Record<RougeType, RougePrf>>;

export interface RougeOptions {
  /** Which ROUGE types to compute. Default ['rouge1', 'rouge2', 'rougeL']. */
  types?: readonly RougeType[];
  /** Porter-stem tokens longer than 3 characters (rouge-score's use_stemmer, NLTK's stemmer). Default false. */
  useStemmer?: boolean;
}

export interface CorpusRougeResult {
  /** Mean over examples, per type. */
  mean: RougeScores;
  /** One entry per hypothesis, in order. */
  perExample: RougeScores[];
}

const DEFAULT_TYPES: readonly RougeType[] = ['rouge1', 'rouge2', 'rougeL'];

/** ROUGE of one hypothesis (rouge-score's "prediction") against one or more references ("targets"). */
export function sentenceRouge(hypothesis: string, references: readonly string[], options: RougeOptions = {}): RougeScores {
  assertExample(hypothesis, references, { hypothesis: 'hypothesis', references: 'references' });
  const types = resolveTypes(options.types);
  const useStemmer = options.useStemmer ?? false;
  const perReference = references.map((reference) => scorePair(reference, hypothesis, types, useStemmer));
  const best: RougeScores = {};
  for (const type of types) {
    let bestIndex = 0;
    perReference.forEach((scores, index) => {
      if ((scores[type] as RougePrf).fmeasure > (perReference[bestIndex][type] as RougePrf).fmeasure) bestIndex = index;
    });
    best[type] = perReference[bestIndex][type];
  }
  return best;
}

/** ROUGE for a corpus: per-example scores and their mean. `references[i]` holds every reference of `hypotheses[i]`. */
export function corpusRouge(
  hypotheses: readonly string[],
  references: ReadonlyArray<readonly string[]>,
  options: RougeOptions = {},
): CorpusRougeResult {
  assertCorpus(hypotheses, references);
  const types = resolveTypes(options.types);
  const perExample = hypotheses.map((hypothesis, i) => sentenceRouge(hypothesis, references[i], { ...options, types }));
  const mean: RougeScores = {};
  for (const type of types) {
    const sum = { precision: 0, recall: 0, fmeasure: 0 };
    for (const scores of perExample) {
      const score = scores[type] as RougePrf;
      sum.precision += score.precision;
      sum.recall += score.recall;
      sum.fmeasure += score.fmeasure;
    }
    const n = perExample.length;
    mean[type] = { precision: sum.precision / n, recall: sum.recall / n, fmeasure: sum.fmeasure / n };
  }
  return { mean, perExample };
}

function resolveTypes(types: readonly RougeType[] | undefined): readonly RougeType[] {
  const resolved = types ?? DEFAULT_TYPES;
  if (resolved.length === 0) throw new MetricInputError('options.types', `a non-empty list of ${ROUGE_TYPES.join(', ')}`, resolved);
  resolved.forEach((type, index) => {
    if (!ROUGE_TYPES.includes(type)) throw new MetricInputError(`options.types[${index}]`, `one of ${ROUGE_TYPES.join(', ')}`, type);
  });
  return resolved;
}

function scorePair(target: string, prediction: string, types: readonly RougeType[], useStemmer: boolean): RougeScores {
  const targetTokens = rougeTokenize(target, useStemmer);
  const predictionTokens = rougeTokenize(prediction, useStemmer);
  const scores: RougeScores = {};
  for (const type of types) {
    if (type === 'rougeL') scores[type] = lcsScore(targetTokens, predictionTokens);
    else if (type === 'rougeLsum') scores[type] = summaryLevelLcsScore(sentences(target, useStemmer), sentences(prediction, useStemmer));
    else scores[type] = ngramScore(targetTokens, predictionTokens, Number(type.slice('rouge'.length)));
  }
  return scores;
}

function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function prf(precision: number, recall: number): RougePrf {
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

function ngramScore(targetTokens: readonly string[], predictionTokens: readonly string[], n: number): RougePrf {
  const targetNgrams = countNgrams(targetTokens, n);
  const predictionNgrams = countNgrams(predictionTokens, n);
  let overlap = 0;
  let targetCount = 0;
  let predictionCount = 0;
  for (const [ngram, count] of targetNgrams) {
    overlap += Math.min(count, predictionNgrams.get(ngram) ?? 0);
    targetCount += count;
  }
  for (const count of predictionNgrams.values()) predictionCount += count;
  return prf(overlap / Math.max(predictionCount, 1), overlap / Math.max(targetCount, 1));
}

/** Longest-common-subsequence table, (rows+1) × (cols+1), as rouge-score's _lcs_table. */
function lcsTable(reference: readonly string[], candidate: readonly string[]): number[][] {
  const table = Array.from({ length: reference.length + 1 }, () => new Array<number>(candidate.length + 1).fill(0));
  for (let i = 1; i <= reference.length; i++) {
    for (let j = 1; j <= candidate.length; j++) {
      table[i][j] =
        reference[i - 1] === candidate[j - 1] ? table[i - 1][j - 1] + 1 : Math.max(table[i - 1][j], table[i][j - 1]);
    }
  }
  return table;
}

function lcsScore(targetTokens: readonly string[], predictionTokens: readonly string[]): RougePrf {
  if (targetTokens.length === 0 || predictionTokens.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const length = lcsTable(targetTokens, predictionTokens)[targetTokens.length][predictionTokens.length];
  return prf(length / predictionTokens.length, length / targetTokens.length);
}

/** rougeLsum's sentences: the text split on newlines, empty lines dropped, each tokenized. */
function sentences(text: string, useStemmer: boolean): string[][] {
  return text
    .split('\n')
    .filter((sentence) => sentence.length > 0)
    .map((sentence) => rougeTokenize(sentence, useStemmer));
}

/** Indices into `reference` of one LCS with `candidate`, read back the way rouge-score's _backtrack_norec does. */
function lcsIndices(reference: readonly string[], candidate: readonly string[]): number[] {
  const table = lcsTable(reference, candidate);
  let i = reference.length;
  let j = candidate.length;
  const indices: number[] = [];
  while (i > 0 && j > 0) {
    if (reference[i - 1] === candidate[j - 1]) {
      indices.unshift(i - 1);
      i--;
      j--;
    } else if (table[i][j - 1] > table[i - 1][j]) {
      j--;
    } else {
      i--;
    }
  }
  return indices;
}

/** Summary-level LCS (ROUGE paper section 3.2), as rouge-score's _summary_level_lcs. */
function summaryLevelLcsScore(referenceSentences: string[][], candidateSentences: string[][]): RougePrf {
  const zero = { precision: 0, recall: 0, fmeasure: 0 };
  if (referenceSentences.length === 0 || candidateSentences.length === 0) return zero;
  const m = referenceSentences.reduce((sum, sentence) => sum + sentence.length, 0);
  const n = candidateSentences.reduce((sum, sentence) => sum + sentence.length, 0);
  if (m === 0 || n === 0) return zero;
  const referenceCounts = tokenCounts(referenceSentences);
  const candidateCounts = tokenCounts(candidateSentences);
  let hits = 0;
  for (const reference of referenceSentences) {
    const union = new Set<number>();
    for (const candidate of candidateSentences) for (const index of lcsIndices(reference, candidate)) union.add(index);
    for (const index of [...union].sort((a, b) => a - b)) {
      const token = reference[index];
      if ((candidateCounts.get(token) ?? 0) > 0 && (referenceCounts.get(token) ?? 0) > 0) {
        hits++;
        candidateCounts.set(token, (candidateCounts.get(token) as number) - 1);
        referenceCounts.set(token, (referenceCounts.get(token) as number) - 1);
      }
    }
  }
  return prf(hits / n, hits / m);
}

function tokenCounts(sentences: readonly string[][]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sentence of sentences) for (const token of sentence) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}
