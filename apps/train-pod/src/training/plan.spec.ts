import type { PackedSequence } from '@tuneforge/datasets';
import { padRows, seededPermutation, StepPlan } from './plan';

const row = (ids: number[]): PackedSequence => ({ input_ids: ids, labels: ids.map((t, i) => (i === 0 ? -100 : t)), position_ids: ids.map((_, i) => i), boundaries: [0, ids.length], sampleIndices: [0] });

describe('StepPlan', () => {
  it('counts steps from epochs, rows and batch size, the last batch of an epoch short', () => {
    const plan = new StepPlan({ sequences: 5, epochs: 3, batchSize: 2, microBatchSize: 1, seed: 1 });
    expect(plan.stepsPerEpoch).toBe(3);
    expect(plan.totalSteps).toBe(9);
    expect(plan.rowsOf(3)).toHaveLength(1);
  });

  it('visits every row once per epoch, in a seeded order that a fresh plan reproduces (resume)', () => {
    const options = { sequences: 7, epochs: 2, batchSize: 3, microBatchSize: 1, seed: 5 };
    const a = new StepPlan(options);
    const epoch = (p: StepPlan, e: number) => [1, 2, 3].flatMap((s) => p.rowsOf(e * 3 + s));
    expect([...epoch(a, 0)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...epoch(a, 1)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(epoch(a, 0)).not.toEqual(epoch(a, 1));
    const b = new StepPlan(options);
    expect(b.rowsOf(5)).toEqual(a.rowsOf(5));
    expect(() => a.rowsOf(7)).toThrow(RangeError);
    expect(() => new StepPlan({ ...options, sequences: 0 })).toThrow(/nothing to train/);
  });

  it('repeats each batch for several updates (a reinforcement run\'s numIterations): consecutive steps, the same rows', () => {
    const once = new StepPlan({ sequences: 5, epochs: 2, batchSize: 2, microBatchSize: 1, seed: 1 });
    const twice = new StepPlan({ sequences: 5, epochs: 2, batchSize: 2, microBatchSize: 1, seed: 1, repeats: 2 });
    expect(twice.totalSteps).toBe(12);
    expect(twice.stepsPerEpoch).toBe(6);
    for (let step = 1; step <= once.totalSteps; step++) {
      expect(twice.rowsOf(2 * step - 1)).toEqual(once.rowsOf(step));
      expect(twice.rowsOf(2 * step)).toEqual(once.rowsOf(step));
    }
    expect(twice.epochOf(7)).toBe(1);
    expect(() => new StepPlan({ sequences: 5, epochs: 1, batchSize: 2, microBatchSize: 1, seed: 1, repeats: 0 })).toThrow(/repeats 0/);
  });

  it('cuts a step into micro-batches padded to their longest row, padding out of the loss', () => {
    const plan = new StepPlan({ sequences: 3, epochs: 1, batchSize: 3, microBatchSize: 2, seed: 0 });
    const micro = plan.microBatches(1, [row([5, 6, 7]), row([8]), row([9, 10])], 0);
    expect(micro.map((m) => m.inputIds.length)).toEqual([2, 1]);
    expect(micro.reduce((n, m) => n + m.tokens, 0)).toBe(6);
    const padded = padRows([row([5, 6, 7]), row([8])], 0);
    expect(padded.inputIds).toEqual([[5, 6, 7], [8, 0, 0]]);
    expect(padded.labels[1]).toEqual([-100, -100, -100]);
    expect(padded.positionIds[1]).toEqual([0, 0, 1]);
  });

  it('permutes deterministically', () => {
    expect(seededPermutation(10, 42)).toEqual(seededPermutation(10, 42));
    expect([...seededPermutation(10, 42)].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
