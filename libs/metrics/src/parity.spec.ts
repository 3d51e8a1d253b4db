import { REFERENCE_VALUES, type ReferenceBleu, type ReferenceRouge } from './fixtures/reference-values';
import {
  corpusBleu,
  corpusChrf,
  corpusExactMatch,
  corpusRouge,
  corpusTokenF1,
  exactMatch,
  normalizeAnswer,
  perplexity,
  porterStem,
  sentenceBleu,
  sentenceChrf,
  sentenceRouge,
  tokenF1,
  type BleuScore,
  type RougeScores,
} from './index';

// Every value below was computed by sacrebleu / rouge-score / nltk / the SQuAD functions
// (tools/metrics-reference/compute_reference.py). Tolerance: 1e-9 absolute. sacrebleu's unrounded `.score` and
// internals are compared, so nothing is lost to its display rounding; what remains is the last-bit difference
// between V8's and glibc's log/exp (about 1e-14 on a 0–100 scale), far inside 1e-9.
const TOLERANCE = 1e-9;
const { pairs, corpus, porterStems } = REFERENCE_VALUES;

function expectClose(actual: number, expected: number, what: string): void {
  const difference = Math.abs(actual - expected);
  if (!(difference <= TOLERANCE)) throw new Error(`${what}: got ${actual}, reference ${expected} (difference ${difference})`);
}

function expectBleu(actual: BleuScore, expected: ReferenceBleu, what: string): void {
  expectClose(actual.score, expected.score, `${what} score`);
  expect({ counts: actual.counts, totals: actual.totals, sysLen: actual.sysLen, refLen: actual.refLen }).toEqual({
    counts: expected.counts,
    totals: expected.totals,
    sysLen: expected.sysLen,
    refLen: expected.refLen,
  });
  actual.precisions.forEach((p, i) => expectClose(p, expected.precisions[i], `${what} precisions[${i}]`));
  expectClose(actual.bp, expected.bp, `${what} bp`);
}

function expectRouge(actual: RougeScores, expected: ReferenceRouge, what: string): void {
  for (const type of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const) {
    const score = actual[type];
    if (score === undefined) throw new Error(`${what}: ${type} missing`);
    expectClose(score.precision, expected[type].precision, `${what} ${type} precision`);
    expectClose(score.recall, expected[type].recall, `${what} ${type} recall`);
    expectClose(score.fmeasure, expected[type].fmeasure, `${what} ${type} fmeasure`);
  }
}

const ALL_ROUGE = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const;
const hypotheses = pairs.map((pair) => pair.hypothesis);
const references = pairs.map((pair) => pair.references);

describe('parity with the Python reference implementations', () => {
  it('covers a varied set of pairs', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(40);
    expect(pairs.some((pair) => pair.references.length > 1)).toBe(true);
    expect(pairs.some((pair) => pair.hypothesis === '')).toBe(true);
  });

  describe.each(pairs.map((pair) => [pair.id, pair] as const))('pair %s', (_id, pair) => {
    it('sentence BLEU equals sacrebleu.sentence_bleu (default, lowercase, floor, add-k, none)', () => {
      expectBleu(sentenceBleu(pair.hypothesis, pair.references), pair.bleu, 'default');
      expectBleu(sentenceBleu(pair.hypothesis, pair.references, { lowercase: true }), pair.bleuLowercase, 'lowercase');
      expectBleu(sentenceBleu(pair.hypothesis, pair.references, { smoothMethod: 'floor' }), pair.bleuFloor, 'floor');
      expectBleu(sentenceBleu(pair.hypothesis, pair.references, { smoothMethod: 'add-k' }), pair.bleuAddK, 'add-k');
      expectBleu(sentenceBleu(pair.hypothesis, pair.references, { smoothMethod: 'none' }), pair.bleuNoSmoothing, 'none');
    });

    it('sentence chrF, chrF++ and eps-smoothed chrF equal sacrebleu.sentence_chrf', () => {
      expectClose(sentenceChrf(pair.hypothesis, pair.references).score, pair.chrf, 'chrF');
      expectClose(sentenceChrf(pair.hypothesis, pair.references, { wordOrder: 2 }).score, pair.chrfPlusPlus, 'chrF++');
      expectClose(sentenceChrf(pair.hypothesis, pair.references, { epsSmoothing: true }).score, pair.chrfEpsSmoothing, 'chrF eps');
    });

    it('ROUGE-1/2/L/Lsum equal rouge-score score_multi, with and without stemming', () => {
      expectRouge(sentenceRouge(pair.hypothesis, pair.references, { types: ALL_ROUGE }), pair.rouge, 'plain');
      expectRouge(sentenceRouge(pair.hypothesis, pair.references, { types: ALL_ROUGE, useStemmer: true }), pair.rougeStemmed, 'stemmed');
    });

    it('exact match and token F1 equal the SQuAD evaluation functions', () => {
      expect(normalizeAnswer(pair.hypothesis)).toBe(pair.squadNormalizedHypothesis);
      expect(exactMatch(pair.hypothesis, pair.references)).toBe(pair.exactMatchSquad);
      expect(exactMatch(pair.hypothesis, pair.references, { normalize: 'none' })).toBe(pair.exactMatchRaw);
      expectClose(tokenF1(pair.hypothesis, pair.references), pair.tokenF1Squad, 'token F1');
    });

    if (pair.tokenLosses !== undefined && pair.perplexity !== undefined) {
      const { tokenLosses, perplexity: expected } = pair;
      it('perplexity equals exp(mean token loss)', () => {
        expectClose(perplexity(tokenLosses), expected, 'perplexity');
      });
    }
  });

  it('corpus BLEU equals sacrebleu.corpus_bleu (default, lowercase, effective order)', () => {
    expectBleu(corpusBleu(hypotheses, references), corpus.bleu, 'corpus default');
    expectBleu(corpusBleu(hypotheses, references, { lowercase: true }), corpus.bleuLowercase, 'corpus lowercase');
    expectBleu(corpusBleu(hypotheses, references, { effectiveOrder: true }), corpus.bleuEffectiveOrder, 'corpus effective order');
  });

  it('corpus chrF and chrF++ equal sacrebleu.corpus_chrf', () => {
    expectClose(corpusChrf(hypotheses, references).score, corpus.chrf, 'corpus chrF');
    expectClose(corpusChrf(hypotheses, references, { wordOrder: 2 }).score, corpus.chrfPlusPlus, 'corpus chrF++');
  });

  it('corpus ROUGE is the mean of rouge-score values over pairs', () => {
    expectRouge(corpusRouge(hypotheses, references, { types: ALL_ROUGE }).mean, corpus.rouge, 'corpus plain');
    expectRouge(corpusRouge(hypotheses, references, { types: ALL_ROUGE, useStemmer: true }).mean, corpus.rougeStemmed, 'corpus stemmed');
  });

  it('corpus exact match and token F1 are the means of the SQuAD values', () => {
    expectClose(corpusExactMatch(hypotheses, references).mean, corpus.exactMatchSquad, 'corpus EM');
    expectClose(corpusTokenF1(hypotheses, references).mean, corpus.tokenF1Squad, 'corpus F1');
  });

  it("the Porter stemmer gives nltk's PorterStemmer() stem for every word", () => {
    const words = Object.keys(porterStems);
    expect(words.length).toBeGreaterThan(300);
    const mismatches = words.filter((word) => porterStem(word) !== porterStems[word]).map((word) => `${word}: ${porterStem(word)} ≠ ${porterStems[word]}`);
    expect(mismatches).toEqual([]);
  });
});
