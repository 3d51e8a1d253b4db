import { scoreTexts } from './text-metrics';

describe('scoreTexts', () => {
  it('gives perfect scores to answers equal to their references, on each metric\'s own scale', () => {
    const references = ['It is 10 degrees and clear in Paris today.', 'The meeting was moved to Thursday afternoon.'];
    const { corpus, perExample } = scoreTexts(references, references, ['bleu', 'chrf', 'rouge', 'exact_match', 'token_f1']);
    // sacrebleu itself lands a hair off 100 (exp of summed logs); the summary rounds to 6 significant digits.
    expect(corpus.bleu).toBeCloseTo(100, 9);
    expect({ ...corpus, bleu: undefined }).toEqual({ bleu: undefined, chrf: 100, rouge1: 1, rouge2: 1, rougeL: 1, exact_match: 1, token_f1: 1 });
    expect(perExample).toHaveLength(2);
    expect(perExample[1]).toMatchObject({ exact_match: 1, token_f1: 1, rougeL: 1 });
  });

  it('computes only what was asked for (rouge = rouge1, rouge2 and rougeL) and scores partial overlap between 0 and the maximum', () => {
    const { corpus, perExample } = scoreTexts(['It is 12 degrees in Paris.', 'nothing alike'], ['It is 10 degrees and clear in Paris.', 'The meeting moved.'], ['rouge', 'token_f1']);
    expect(Object.keys(corpus).sort()).toEqual(['rouge1', 'rouge2', 'rougeL', 'token_f1']);
    expect(perExample[0].token_f1).toBeGreaterThan(0.5);
    expect(perExample[0].token_f1).toBeLessThan(1);
    expect(perExample[1].token_f1).toBe(0);
    expect(corpus.token_f1).toBeCloseTo(((perExample[0].token_f1 as number) + 0) / 2, 10);
  });

  it('leaves every metric out when there is nothing to score', () => {
    expect(scoreTexts([], [], ['bleu', 'exact_match'])).toEqual({ corpus: {}, perExample: [] });
  });
});
