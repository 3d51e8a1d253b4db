import { chunkDocument } from './chunk-document';

const doc = (text: string, line?: number) => ({ source: 'file-a', format: 'text' as const, sections: [{ text, ...(line !== undefined && { line }) }] });

describe('chunkDocument', () => {
  it('cuts windows of `size` words that share `overlap` words, with offsets into the text', () => {
    const text = 'w1 w2 w3\nw4 w5  w6 w7';
    const passages = chunkDocument(doc(text), { size: 3, overlap: 1 });
    expect(passages.map((p) => p.text)).toEqual(['w1 w2 w3', 'w3\nw4 w5', 'w5  w6 w7']);
    for (const p of passages) expect(text.slice(p.start, p.end)).toBe(p.text);
    expect(passages[1]).toEqual({ id: 'file-a#0:6', source: 'file-a', start: 6, end: 14, text: 'w3\nw4 w5' });
  });

  it('gives a short section one passage, and never a passage that only repeats the overlap', () => {
    expect(chunkDocument(doc('only two'), { size: 5, overlap: 2 }).map((p) => p.text)).toEqual(['only two']);
    expect(chunkDocument(doc('a b c d e f'), { size: 4, overlap: 2 }).map((p) => p.text)).toEqual(['a b c d', 'c d e f']);
  });

  it('keeps the JSONL line of each record', () => {
    const passages = chunkDocument({ source: 'kb', format: 'jsonl', sections: [{ text: 'x y', line: 1 }, { text: 'z', line: 4 }] }, { size: 10, overlap: 0 });
    expect(passages.map((p) => [p.line, p.text])).toEqual([
      [1, 'x y'],
      [4, 'z'],
    ]);
  });

  it('refuses an overlap that is not smaller than the size', () => {
    expect(() => chunkDocument(doc('a b'), { size: 2, overlap: 2 })).toThrow('chunking.overlap: expected a whole number of words from 0 to size-1 (1), received 2');
    expect(() => chunkDocument(doc('a b'), { size: 0, overlap: 0 })).toThrow('chunking.size');
  });
});
