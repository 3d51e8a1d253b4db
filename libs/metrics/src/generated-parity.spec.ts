import { REFERENCE_VALUES } from './fixtures/reference-values';
import { normalizeAnswer, rougeTokenize, sentenceBleu, sentenceChrf, sentenceRouge, tokenF1, tokenize13a } from './index';

// 300 texts assembled at random (fixed seed) from the fragments tokenizers disagree on most easily: Python-only and
// JavaScript-only whitespace, astral characters, combining marks, case-mapping oddities, HTML entities, digits
// around . , -. Each text's tokenizations and its scores against the next text come from the Python packages.
const TOLERANCE = 1e-9;
const cases = REFERENCE_VALUES.generated;

function mismatches<T>(actual: (text: string, reference: string) => T, expected: (index: number) => T, equal: (a: T, b: T) => boolean): string[] {
  const found: string[] = [];
  cases.forEach((entry, index) => {
    const value = actual(entry.text, entry.reference);
    if (!equal(value, expected(index))) {
      found.push(`#${index} ${JSON.stringify(entry.text)}: got ${JSON.stringify(value)}, reference ${JSON.stringify(expected(index))}`);
    }
  });
  return found;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const close = (a: number, b: number): boolean => Math.abs(a - b) <= TOLERANCE;

describe('parity on generated texts', () => {
  it('has the generated cases', () => {
    expect(cases.length).toBe(300);
  });

  it("13a tokenization equals sacrebleu's Tokenizer13a", () => {
    expect(mismatches((text) => tokenize13a(text), (i) => cases[i].tokens13a, sameJson)).toEqual([]);
  });

  it("ROUGE tokens equal rouge-score's tokenize, with and without the stemmer", () => {
    expect(mismatches((text) => rougeTokenize(text, false), (i) => cases[i].rougeTokens, sameJson)).toEqual([]);
    expect(mismatches((text) => rougeTokenize(text, true), (i) => cases[i].rougeTokensStemmed, sameJson)).toEqual([]);
  });

  it("SQuAD normalisation equals normalize_answer", () => {
    expect(mismatches((text) => normalizeAnswer(text), (i) => cases[i].squadNormalized, sameJson)).toEqual([]);
  });

  it('sentence BLEU, chrF, chrF++, stemmed ROUGE and token F1 equal the Python values', () => {
    expect(mismatches((text, ref) => sentenceBleu(text, [ref]).score, (i) => cases[i].bleu, close)).toEqual([]);
    expect(mismatches((text, ref) => sentenceChrf(text, [ref]).score, (i) => cases[i].chrf, close)).toEqual([]);
    expect(mismatches((text, ref) => sentenceChrf(text, [ref], { wordOrder: 2 }).score, (i) => cases[i].chrfPlusPlus, close)).toEqual([]);
    expect(mismatches((text, ref) => tokenF1(text, [ref]), (i) => cases[i].tokenF1Squad, close)).toEqual([]);
    for (const type of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const) {
      expect(
        mismatches(
          (text, ref) => sentenceRouge(text, [ref], { types: [type], useStemmer: true })[type]?.fmeasure ?? Number.NaN,
          (i) => cases[i].rougeStemmed[type].fmeasure,
          close,
        ),
      ).toEqual([]);
    }
  });
});
