import { estimateJaccard, findNearDuplicates, MinHasher } from './minhash';
import { splitTrainValidation } from './train-validation-split';

const base = [
  'How do I reset my password on the mobile app when I forgot my email',
  'What is the weather like in Paris tomorrow morning around eight',
  'Write a haiku about autumn leaves falling in a quiet park',
  'Explain how a binary search works on a sorted array of numbers',
  'Summarize the plot of the first Harry Potter book in two lines',
  'Convert one hundred US dollars to euros at todays exchange rate',
];

describe('MinHash', () => {
  const hasher = new MinHasher();
  it('estimates high similarity for near duplicates and low for unrelated texts', () => {
    const a = hasher.signature(base[0]);
    const b = hasher.signature(`${base[0]}!!`.toUpperCase());
    const c = hasher.signature('How do I reset my password on the mobile app when I forgot my email address');
    expect(estimateJaccard(a, b)).toBe(1);
    expect(estimateJaccard(a, c)).toBeGreaterThan(0.7);
    expect(estimateJaccard(a, hasher.signature(base[1]))).toBeLessThan(0.2);
  });

  it('finds near-duplicate pairs with LSH', () => {
    const texts = [...base, `${base[2]} please`, base[4]];
    const pairs = findNearDuplicates(texts.map((t) => hasher.signature(t)), 0.7);
    expect(pairs.map((p) => [p.a, p.b])).toEqual([[2, 6], [4, 7]]);
  });
});

describe('train/validation split', () => {
  const items = Array.from({ length: 60 }, (_, i) => `${base[i % base.length]} variant ${Math.floor(i / base.length) % 2 === 0 ? '' : 'again'} number ${i}`);
  const unique = Array.from({ length: 60 }, (_, i) => `sample ${i}: ${base[i % base.length].split(' ').reverse().slice(i % 5).join(' ')} ${i * 7919}`);

  it('is deterministic by seed and near the requested share', () => {
    const first = splitTrainValidation(unique, (t) => t, { seed: 3, validationShare: 0.2 });
    expect(splitTrainValidation(unique, (t) => t, { seed: 3, validationShare: 0.2 })).toEqual(first);
    expect(splitTrainValidation(unique, (t) => t, { seed: 4, validationShare: 0.2 }).validation).not.toEqual(first.validation);
    expect(first.validation.length).toBe(12);
    expect(first.train.length + first.validation.length).toBe(60);
  });

  it('keeps near duplicates on one side', () => {
    const { train, validation, groups } = splitTrainValidation(items, (t) => t, { seed: 11, validationShare: 0.3, nearDuplicateThreshold: 0.5 });
    expect(groups.length).toBeGreaterThan(0);
    const hasher = new MinHasher();
    const trainSigs = train.map((t) => hasher.signature(t));
    for (const v of validation) {
      const sig = hasher.signature(v);
      for (const t of trainSigs) expect(estimateJaccard(sig, t)).toBeLessThan(0.5);
    }
  });
});
