import { IGNORE_INDEX, type TokenizedSample } from '@tuneforge/datasets';
import { StepPlan } from './plan';
import { trainingRows } from './training-rows';

const sample = (ids: number[]): TokenizedSample => ({ input_ids: ids, labels: ids.map((t, i) => (i === 0 ? IGNORE_INDEX : t)) });

describe('trainingRows', () => {
  const samples = [sample([1, 2, 3]), sample([4, 5]), sample([6, 7, 8, 9]), sample([10])];

  it('without packing, makes one row per sample, positions from 0, in sample order', () => {
    const { rows, packingEfficiency } = trainingRows(samples, { packing: false, maxLength: 16, padTokenId: 0 });
    expect(rows.map((r) => r.input_ids)).toEqual([[1, 2, 3], [4, 5], [6, 7, 8, 9], [10]]);
    expect(rows.map((r) => r.sampleIndices)).toEqual([[0], [1], [2], [3]]);
    expect(rows[2].position_ids).toEqual([0, 1, 2, 3]);
    expect(rows[2].labels).toEqual([IGNORE_INDEX, 7, 8, 9]);
    expect(packingEfficiency).toBeUndefined();
  });

  it('with packing, shares rows between samples (fewer rows than samples)', () => {
    const { rows, packingEfficiency } = trainingRows(samples, { packing: true, maxLength: 16, padTokenId: 0 });
    expect(rows).toHaveLength(1);
    expect(rows[0].sampleIndices).toEqual([0, 1, 2, 3]);
    expect(packingEfficiency).toBeGreaterThan(0);
  });

  it('without packing, each row of a micro-batch is one sample padded to the longest, padding outside the loss', () => {
    const { rows } = trainingRows(samples, { packing: false, maxLength: 16, padTokenId: 99 });
    const plan = new StepPlan({ sequences: rows.length, epochs: 1, batchSize: 4, microBatchSize: 2, seed: 3 });
    const micro = plan.microBatches(1, rows, 99);
    expect(micro).toHaveLength(2);
    const order = plan.rowsOf(1);
    micro.forEach((batch, m) => {
      const members = order.slice(m * 2, m * 2 + 2).map((i) => samples[i]);
      const width = Math.max(...members.map((s) => s.input_ids.length));
      expect(batch.inputIds).toHaveLength(2);
      batch.inputIds.forEach((ids, r) => {
        const own = members[r].input_ids;
        expect(ids).toEqual([...own, ...new Array<number>(width - own.length).fill(99)]);
        expect(batch.labels[r].slice(own.length).every((l) => l === IGNORE_INDEX)).toBe(true);
      });
      expect(batch.tokens).toBe(members.reduce((n, s) => n + s.input_ids.length, 0));
    });
  });

  it('refuses a sample longer than maxSequenceLength, naming it', () => {
    expect(() => trainingRows(samples, { packing: false, maxLength: 3, padTokenId: 0 })).toThrow(/sample 2 has 4 tokens, more than maxSequenceLength 3/);
  });
});
