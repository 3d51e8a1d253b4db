import { MetricInputError } from '../metric-input-error';
import { corpusPerplexity, perplexity, perplexityFromMeanLoss } from './perplexity';

describe('perplexity', () => {
  it('is exp of the mean token loss', () => {
    expect(perplexityFromMeanLoss(0)).toBe(1);
    expect(perplexity([Math.log(2), Math.log(8)])).toBeCloseTo(4, 12);
  });

  it('weights sequences by their token count at corpus level', () => {
    // 3 tokens at ln 2 and 1 token at ln 8: mean loss 6 ln 2 / 4, perplexity 2^1.5 (not the per-sequence mean 2^2).
    const value = corpusPerplexity([
      { meanLoss: Math.log(2), tokens: 3 },
      { meanLoss: Math.log(8), tokens: 1 },
    ]);
    expect(value).toBeCloseTo(2 ** 1.5, 12);
  });

  it('refuses losses that are not finite non-negative numbers and corpora without tokens', () => {
    expect(() => perplexity([0.5, Number.NaN])).toThrow(new MetricInputError('tokenLosses[1]', 'a finite number >= 0', Number.NaN));
    expect(() => perplexity([])).toThrow(MetricInputError);
    expect(() => perplexityFromMeanLoss(-0.1)).toThrow(MetricInputError);
    expect(() => corpusPerplexity([{ meanLoss: 1, tokens: 0 }])).toThrow(/at least one scored token/);
  });
});
