import { assertCorpus, assertExample } from '../metric-input-error';
import { clippedMatches, countNgrams } from '../text/ngram-counts';
import { answerTokens } from './squad-normalize';

export interface CorpusTokenF1Result {
  /** Mean F1 over examples (0–1). */
  mean: number;
  perExample: number[];
}

/**
 * SQuAD token F1 (v2.0 script's compute_f1) against the best-matching reference: bag-of-tokens overlap of the
 * normalised answers. When either side has no tokens, 1 if both have none, else 0.
 */
export function tokenF1(hypothesis: string, references: readonly string[]): number {
  assertExample(hypothesis, references, { hypothesis: 'hypothesis', references: 'references' });
  const hypothesisTokens = answerTokens(hypothesis);
  return Math.max(...references.map((reference) => pairF1(answerTokens(reference), hypothesisTokens)));
}

/** Token F1 per example and its mean. `references[i]` holds every reference of `hypotheses[i]`. */
export function corpusTokenF1(hypotheses: readonly string[], references: ReadonlyArray<readonly string[]>): CorpusTokenF1Result {
  assertCorpus(hypotheses, references);
  const perExample = hypotheses.map((hypothesis, i) => tokenF1(hypothesis, references[i]));
  return { mean: perExample.reduce((sum, value) => sum + value, 0) / perExample.length, perExample };
}

function pairF1(referenceTokens: readonly string[], hypothesisTokens: readonly string[]): number {
  if (referenceTokens.length === 0 || hypothesisTokens.length === 0) {
    return referenceTokens.length === hypothesisTokens.length ? 1 : 0;
  }
  const same = clippedMatches(countNgrams(hypothesisTokens, 1), countNgrams(referenceTokens, 1));
  if (same === 0) return 0;
  const precision = same / hypothesisTokens.length;
  const recall = same / referenceTokens.length;
  return (2 * precision * recall) / (precision + recall);
}
