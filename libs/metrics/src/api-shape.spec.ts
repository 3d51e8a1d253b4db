import { CHRF_PLUS_PLUS, corpusExactMatch, corpusRouge, corpusTokenF1, sentenceBleu, sentenceChrf, sentenceRouge } from './index';

describe('per-example and corpus API', () => {
  it('ROUGE computes rouge1, rouge2 and rougeL unless asked for rougeLsum', () => {
    expect(Object.keys(sentenceRouge('the cat', ['the cat']))).toEqual(['rouge1', 'rouge2', 'rougeL']);
    expect(Object.keys(sentenceRouge('the cat', ['the cat'], { types: ['rougeLsum'] }))).toEqual(['rougeLsum']);
  });

  it('ROUGE with several references keeps, per type, the reference with the best F-measure', () => {
    // The first reference wins on ROUGE-1 (all words present), the second on ROUGE-2 (the only bigram match).
    const scores = sentenceRouge('a b c d', ['d c b a', 'a b x y']);
    expect(scores.rouge1?.fmeasure).toBe(1);
    expect(scores.rouge2?.fmeasure).toBeCloseTo(1 / 3, 12);
  });

  it('corpus results carry one entry per example, in order', () => {
    const hypotheses = ['The cat.', 'a dog'];
    const references = [['the cat'], ['the dog', 'a dog']];
    expect(corpusExactMatch(hypotheses, references)).toEqual({ mean: 1, perExample: [1, 1] });
    expect(corpusExactMatch(hypotheses, references, { normalize: 'none' })).toEqual({ mean: 0.5, perExample: [0, 1] });
    expect(corpusTokenF1(hypotheses, references).perExample).toEqual([1, 1]);
    expect(corpusRouge(hypotheses, references).perExample).toHaveLength(2);
  });

  it('names chrF and chrF++ like sacrebleu, and sentence BLEU of an identical sentence is 100', () => {
    expect(sentenceChrf('x', ['x']).name).toBe('chrF2');
    expect(sentenceChrf('x', ['x'], CHRF_PLUS_PLUS).name).toBe('chrF2++');
    expect(sentenceBleu('Hello there, world.', ['Hello there, world.']).score).toBeCloseTo(100, 9);
  });
});
