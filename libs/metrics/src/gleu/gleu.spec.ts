import { sentenceGleu, sentenceRouge } from '../index';

// Reference values from nltk 3.10.4 (sentence_gleu on str.split() tokens) and rouge-score 0.1.2 (RougeScorer with
// rouge3..rouge5), the pinned packages of tools/metrics-reference, computed once and written here.
const hypothesis = 'It is a guide to action which ensures that the military always obeys the commands of the party';
const referenceA = 'It is a guide to action that ensures that the military will forever heed Party commands';
const referenceB = 'It is the guiding principle which guarantees the military forces always being under the command of the Party';

describe('sentenceGleu (nltk parity)', () => {
  it('matches nltk for one and several references and other n-gram orders', () => {
    expect(sentenceGleu('the quick brown fox jumps over the lazy dog', ['a quick brown fox jumped over the lazy dog'])).toBeCloseTo(0.5333333333333333, 14);
    expect(sentenceGleu(hypothesis, [referenceA, referenceB])).toBeCloseTo(0.4393939393939394, 14);
    expect(sentenceGleu(hypothesis, [referenceA], { minLen: 1, maxLen: 2 })).toBeCloseTo(0.5428571428571428, 14);
    expect(sentenceGleu('', [''])).toBe(0);
  });
});

describe('ROUGE-3..5 (rouge-score parity)', () => {
  it('matches rouge-score rougeN for N = 3, 4, 5', () => {
    const scores = sentenceRouge(hypothesis, [referenceA], { types: ['rouge3', 'rouge4', 'rouge5'] });
    expect(scores.rouge3).toEqual({ precision: expect.closeTo(0.375, 14), recall: expect.closeTo(0.42857142857142855, 14), fmeasure: expect.closeTo(0.39999999999999997, 14) });
    expect(scores.rouge4?.fmeasure).toBeCloseTo(0.28571428571428575, 14);
    expect(scores.rouge5?.fmeasure).toBeCloseTo(0.15384615384615383, 14);
  });
});
