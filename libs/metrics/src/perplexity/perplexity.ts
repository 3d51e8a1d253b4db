import { MetricInputError } from '../metric-input-error';

/** Loss summary of one evaluated sequence: mean token cross-entropy (natural log) over `tokens` scored tokens. */
export interface SequenceLoss {
  meanLoss: number;
  tokens: number;
}

/** exp(mean token loss): perplexity from a mean cross-entropy in nats. */
export function perplexityFromMeanLoss(meanLoss: number): number {
  if (!Number.isFinite(meanLoss) || meanLoss < 0) throw new MetricInputError('meanLoss', 'a finite number >= 0 (nats per token)', meanLoss);
  return Math.exp(meanLoss);
}

/** Perplexity of one sequence from its per-token losses (nats): exp of their mean. */
export function perplexity(tokenLosses: readonly number[]): number {
  if (!Array.isArray(tokenLosses) || tokenLosses.length === 0) {
    throw new MetricInputError('tokenLosses', 'a non-empty array of per-token losses', tokenLosses);
  }
  let sum = 0;
  tokenLosses.forEach((loss, index) => {
    if (!Number.isFinite(loss) || loss < 0) throw new MetricInputError(`tokenLosses[${index}]`, 'a finite number >= 0', loss);
    sum += loss;
  });
  return perplexityFromMeanLoss(sum / tokenLosses.length);
}

/**
 * Corpus perplexity: exp of the token-weighted mean loss, i.e. every token counts once (not every sequence), which
 * is what exp(mean loss over all tokens) means.
 */
export function corpusPerplexity(sequences: readonly SequenceLoss[]): number {
  if (!Array.isArray(sequences) || sequences.length === 0) throw new MetricInputError('sequences', 'a non-empty array', sequences);
  let weightedLoss = 0;
  let tokens = 0;
  sequences.forEach((sequence, index) => {
    if (!Number.isInteger(sequence.tokens) || sequence.tokens < 0) {
      throw new MetricInputError(`sequences[${index}].tokens`, 'a non-negative integer', sequence.tokens);
    }
    if (!Number.isFinite(sequence.meanLoss) || sequence.meanLoss < 0) {
      throw new MetricInputError(`sequences[${index}].meanLoss`, 'a finite number >= 0', sequence.meanLoss);
    }
    weightedLoss += sequence.meanLoss * sequence.tokens;
    tokens += sequence.tokens;
  });
  if (tokens === 0) throw new MetricInputError('sequences', 'at least one scored token in total', tokens);
  return perplexityFromMeanLoss(weightedLoss / tokens);
}
