import { assertCorpus, assertExample, MetricInputError } from '../metric-input-error';
import { normalizeAnswer } from './squad-normalize';

export interface ExactMatchOptions {
  /**
   * 'squad' (default): compare after SQuAD's normalize_answer (lowercase, no punctuation, no articles, single spaces).
   * 'none': the strings must be identical.
   */
  normalize?: 'squad' | 'none';
}

export interface CorpusExactMatchResult {
  /** Fraction of hypotheses that match one of their references (0–1). */
  mean: number;
  perExample: Array<0 | 1>;
}

/** 1 when the hypothesis equals any reference (after normalisation), else 0 (SQuAD's compute_exact, max over references). */
export function exactMatch(hypothesis: string, references: readonly string[], options: ExactMatchOptions = {}): 0 | 1 {
  assertExample(hypothesis, references, { hypothesis: 'hypothesis', references: 'references' });
  const normalize = resolveNormalize(options.normalize);
  const normalized = normalize(hypothesis);
  return references.some((reference) => normalize(reference) === normalized) ? 1 : 0;
}

/** Exact match per example and its mean. `references[i]` holds every reference of `hypotheses[i]`. */
export function corpusExactMatch(
  hypotheses: readonly string[],
  references: ReadonlyArray<readonly string[]>,
  options: ExactMatchOptions = {},
): CorpusExactMatchResult {
  assertCorpus(hypotheses, references);
  const perExample = hypotheses.map((hypothesis, i) => exactMatch(hypothesis, references[i], options));
  return { mean: perExample.reduce<number>((sum, value) => sum + value, 0) / perExample.length, perExample };
}

function resolveNormalize(mode: ExactMatchOptions['normalize']): (text: string) => string {
  if (mode === undefined || mode === 'squad') return normalizeAnswer;
  if (mode === 'none') return (text) => text;
  throw new MetricInputError('options.normalize', "'squad' or 'none'", mode);
}
