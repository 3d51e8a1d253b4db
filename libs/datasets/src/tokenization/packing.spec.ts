import fc from 'fast-check';
import { packSamples, truncateSamples } from './packing';
import { IGNORE_INDEX, type TokenizedSample } from './tokenized-sample';

const sample = (length: number, labeledFrom: number, base = 0): TokenizedSample => ({
  input_ids: Array.from({ length }, (_, i) => base + i),
  labels: Array.from({ length }, (_, i) => (i >= labeledFrom ? base + i : IGNORE_INDEX)),
});

describe('truncation', () => {
  it('cuts on the right, reports what was lost, and drops samples left with nothing to learn', () => {
    const { samples, report } = truncateSamples([sample(4, 2), sample(10, 6), sample(10, 2)], { maxLength: 5 });
    expect(samples.map((s) => s.input_ids.length)).toEqual([4, 5]);
    expect(report).toMatchObject({ samples: 3, truncated: 2, dropped: 1, tokensCut: 10, labeledTokensCut: 4 + 5, truncationRate: 2 / 3 });
    expect(report.cuts.map((c) => [c.index, c.dropped])).toEqual([[1, true], [2, false]]);
  });

  it('keeps the end when cutting on the left', () => {
    const { samples } = truncateSamples([sample(10, 6)], { maxLength: 5, side: 'left' });
    expect(samples[0].input_ids).toEqual([5, 6, 7, 8, 9]);
    expect(samples[0].labels).toEqual([IGNORE_INDEX, 6, 7, 8, 9]);
  });
});

describe('packing', () => {
  it('restarts positions per sample and records boundaries', () => {
    const { sequences, report } = packSamples([sample(3, 1, 100), sample(2, 0, 200), sample(4, 2, 300)], { maxLength: 6, padTokenId: 0, padToMaxLength: true });
    expect(sequences).toHaveLength(2);
    const [first, second] = sequences;
    expect(first.sampleIndices).toEqual([1, 2]);
    expect(first.boundaries).toEqual([0, 2, 6]);
    expect(first.position_ids).toEqual([0, 1, 0, 1, 2, 3]);
    expect(second.input_ids).toEqual([100, 101, 102, 0, 0, 0]);
    expect(second.labels.slice(3)).toEqual([IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX]);
    expect(report).toMatchObject({ sequences: 2, realTokens: 9, paddingTokens: 3, efficiency: 0.75 });
  });

  it('keeps every token of every sample exactly once, within bounds', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 16 }), { maxLength: 30 }), fc.integer({ min: 16, max: 64 }), (lengths, maxLength) => {
        const samples = lengths.map((l, i) => sample(l, 0, i * 1000));
        const { sequences } = packSamples(samples, { maxLength, padTokenId: -1 });
        const seen = sequences.flatMap((s) => s.sampleIndices).sort((a, b) => a - b);
        expect(seen).toEqual(samples.map((_, i) => i));
        for (const s of sequences) {
          expect(s.input_ids.length).toBeLessThanOrEqual(maxLength);
          s.sampleIndices.forEach((index, k) => {
            const [from, to] = [s.boundaries[k], s.boundaries[k + 1]];
            expect(s.input_ids.slice(from, to)).toEqual(samples[index].input_ids);
            expect(s.position_ids.slice(from, to)).toEqual(samples[index].input_ids.map((_, p) => p));
          });
        }
      }),
    );
  });
});
