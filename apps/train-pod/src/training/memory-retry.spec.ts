// A step that runs out of memory is redone in smaller micro-batches: with the real engine and the tiny Llama, an
// allocator limit (the engine's own, not a mock) that a four-row micro-batch passes and a one-row one does not.
import { memoryStats, Model, setMemoryLimit, type TokenBatch, type Trainer, type TrainConfig } from '@tuneforge/engine';
import { resolve } from 'node:path';
import { accumulateWithMemoryRetry, OutOfMemoryError, type MemoryRetry } from './memory-retry';

const LLAMA = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-llama');
const ROWS = Array.from({ length: 4 }, (_, r) => Array.from({ length: 24 }, (_, t) => (r * 211 + t * 37 + 3) % 800));
const rowsOf = (first: number, n: number): TokenBatch => {
  const ids = ROWS.slice(first, first + n);
  return { inputIds: ids, labels: ids.map((row) => row.map((id, t) => (t % 7 === 0 ? -100 : id))) };
};
const config: TrainConfig = { mode: 'full', lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0.01, maxGradNorm: 1, schedule: 'constant', warmupSteps: 0, totalSteps: 4, seed: 3 };

/** The step's accumulation as the pod runs it: the four rows in micro-batches of `size`. */
const accumulateRows = (trainer: Trainer) => async (size: number) => {
  for (let first = 0; first < 4; first += size) await trainer.accumulate(rowsOf(first, Math.min(size, 4 - first)));
  return size;
};

describe('accumulateWithMemoryRetry', () => {
  let oneRow = 0;
  let fourRows = 0;
  let want: Awaited<ReturnType<Trainer['step']>>;

  beforeAll(async () => {
    // How far above the resting footprint (weights, gradients, moments) one and four rows take the engine, and
    // the unlimited step the retried ones must reproduce.
    const model = await Model.load(LLAMA, { threads: 1 });
    const trainer = await model.createTrainer(config);
    const resting = memoryStats('cpu', true).inUse;
    await trainer.accumulate(rowsOf(0, 1));
    oneRow = memoryStats('cpu', true).peak - resting;
    await trainer.discard();
    await trainer.accumulate(rowsOf(0, 4));
    fourRows = memoryStats().peak - resting;
    want = await trainer.step();
    trainer.dispose();
    model.dispose();
  });

  let model: Model;
  let trainer: Trainer;
  beforeEach(async () => {
    model = await Model.load(LLAMA, { threads: 1 });
    trainer = await model.createTrainer(config);
  });
  afterEach(() => {
    setMemoryLimit(0);
    trainer.dispose();
    model.dispose();
  });

  it('halves the micro-batch until the step fits, keeping the global batch and its update', async () => {
    expect(fourRows).toBeGreaterThan(2 * oneRow);
    // Room for a bit more than one row: four rows fail, and so may two; one fits.
    setMemoryLimit(memoryStats().inUse + Math.round(oneRow * 1.2));
    const retries: MemoryRetry[] = [];
    const { microBatchSize } = await accumulateWithMemoryRetry({ trainer, step: 1, batchSize: 4, microBatchSize: 4, accumulate: accumulateRows(trainer), onRetry: (r) => void retries.push(r) });
    expect(retries[0]).toMatchObject({ step: 1, fromMicroBatchSize: 4, toMicroBatchSize: 2, accumulation: 2 });
    expect(retries[0].reason).toMatch(/out of memory/);
    expect(retries.map((r) => r.toMicroBatchSize)).toEqual(microBatchSize === 2 ? [2] : [2, 1]);
    if (microBatchSize === 1) expect(retries[1]).toMatchObject({ fromMicroBatchSize: 2, toMicroBatchSize: 1, accumulation: 4 });
    const got = await trainer.step();
    expect(got.tokens).toBe(want.tokens);
    expect(got.loss).toBeCloseTo(want.loss, 5);
    expect(got.gradNorm).toBeCloseTo(want.gradNorm, 4);
  });

  it('fails with a clear error when even one row does not fit, and the trainer is left clean', async () => {
    setMemoryLimit(memoryStats().inUse + Math.round(oneRow / 2));
    const retries: MemoryRetry[] = [];
    const failure = await accumulateWithMemoryRetry({ trainer, step: 7, batchSize: 4, microBatchSize: 4, accumulate: accumulateRows(trainer), onRetry: (r) => void retries.push(r) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OutOfMemoryError);
    expect((failure as Error).message).toMatch(/^step 7 ran out of memory even with a micro-batch of 1 \(batch size 4\): out of memory.*shorter maximum sequence length/);
    expect(retries.map((r) => [r.fromMicroBatchSize, r.toMicroBatchSize])).toEqual([[4, 2], [2, 1]]);
    // Discarded: with the limit off the same trainer takes the step from scratch and matches the reference.
    setMemoryLimit(0);
    await accumulateRows(trainer)(4);
    const got = await trainer.step();
    expect(got.loss).toBeCloseTo(want.loss, 5);
  });

  it('passes other failures through untouched', async () => {
    const discard = jest.spyOn(trainer, 'discard');
    const failure = await accumulateWithMemoryRetry({ trainer, step: 1, batchSize: 4, microBatchSize: 4, accumulate: () => trainer.accumulate({ inputIds: [[1, 2]], labels: [[1, 5000]] }), onRetry: () => undefined }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(discard).not.toHaveBeenCalled();
  });
});
