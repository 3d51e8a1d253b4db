import type { Passage } from '../chunking/passage';
import { Bm25Index } from './bm25-index';
import { tokenize } from './tokenize';

const texts = ['The cat sat on the mat', 'The dog chased the cat around the garden', 'Dogs and cats are pets', 'A cat, a cat, a CAT!'];
const passages: Passage[] = texts.map((text, i) => ({ id: `p${i}`, source: `doc-${i}`, start: 0, end: text.length, text }));
const order = (index: Bm25Index, query: string, k = 10) => index.search(query, k).map((h) => h.passage.id);

describe('tokenize', () => {
  it('lower-cases and normalizes Unicode words and numbers, dropping punctuation', () => {
    expect(tokenize('Ｆｕｌｌ-width CAFÉ, v2.5 — naïve')).toEqual(['full', 'width', 'café', 'v2', '5', 'naïve']);
  });
});

describe('Bm25Index', () => {
  const index = Bm25Index.build(passages);

  it('ranks by Okapi BM25 with k1=1.2, b=0.75: more occurrences and shorter passages first', () => {
    // N=4, df(cat)=3, lengths 6, 8, 5, 6 (avg 6.25): idf = ln(1 + 1.5/3.5) = 0.356675.
    // p3: tf 3, len 6 → 0.356675·3·2.2/(3 + 1.2·(0.25 + 0.75·6/6.25)) = 0.565335
    // p0: tf 1, len 6 → 0.356675·2.2/(1 + 1.164) = 0.362612; p1: tf 1, len 8 → 0.356675·2.2/2.452 = 0.320021
    const hits = index.search('cat', 10);
    expect(hits.map((h) => h.passage.id)).toEqual(['p3', 'p0', 'p1']);
    expect(hits.map((h) => h.score)).toEqual([expect.closeTo(0.565335, 5), expect.closeTo(0.362612, 5), expect.closeTo(0.320021, 5)]);
  });

  it('sums over query words, so the passage with both words wins, and returns at most k', () => {
    expect(order(index, 'dog garden cat')).toEqual(['p1', 'p3', 'p0']);
    expect(order(index, 'dog garden cat', 1)).toEqual(['p1']);
    expect(order(index, 'dogs pets')).toEqual(['p2']);
    expect(order(index, 'zebra')).toEqual([]);
  });

  it('takes its parameters: b=0 ignores length (ties keep passage order), k1=0 ignores repetition', () => {
    expect(order(Bm25Index.build(passages, { k1: 1.2, b: 0 }), 'cat')).toEqual(['p3', 'p0', 'p1']);
    const noLength = Bm25Index.build(passages, { k1: 1.2, b: 0 }).search('cat', 3);
    expect(noLength[1].score).toBeCloseTo(noLength[2].score, 12);
    expect(order(Bm25Index.build(passages, { k1: 0, b: 0.75 }), 'cat')).toEqual(['p0', 'p1', 'p3']);
    expect(() => Bm25Index.build(passages, { k1: 1.2, b: 1.5 })).toThrow('bm25.b: expected a number from 0 to 1, received 1.5');
  });

  it('serializes to JSON and loads back to an index that ranks and scores identically', () => {
    const json = JSON.parse(JSON.stringify(Bm25Index.build(passages, { k1: 1.5, b: 0.5 }))) as unknown;
    const loaded = Bm25Index.fromJSON(json);
    expect(loaded.parameters).toEqual({ k1: 1.5, b: 0.5 });
    for (const query of ['cat', 'the dog', 'pets and cats', 'garden mat']) {
      expect(loaded.search(query, 4)).toEqual(Bm25Index.build(passages, { k1: 1.5, b: 0.5 }).search(query, 4));
    }
  });

  it('keeps terms such as __proto__ as plain terms through a round trip', () => {
    const odd: Passage[] = [{ id: 'x', source: 's', start: 0, end: 9, text: '__proto__ constructor' }];
    const loaded = Bm25Index.fromJSON(JSON.parse(JSON.stringify(Bm25Index.build(odd))));
    expect(order(loaded, 'constructor __proto__')).toEqual(['x']);
  });

  it('refuses JSON that is not an index, naming the field', () => {
    const json = JSON.parse(JSON.stringify(index)) as { lengths: unknown[]; parameters: { k1: unknown } };
    expect(() => Bm25Index.fromJSON({ ...json, parameters: { k1: 'high', b: 0.75 } })).toThrow('not a tuneforge-bm25 index: parameters.k1');
    expect(() => Bm25Index.fromJSON({ ...json, lengths: [1] })).toThrow('lengths has 1 entries for 4 passages');
    expect(() => Bm25Index.fromJSON([])).toThrow('not a tuneforge-bm25 index');
  });
});
