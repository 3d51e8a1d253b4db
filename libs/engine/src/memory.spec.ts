// Device memory through the TypeScript face: the allocator's counters, a limit that makes the engine run out
// of memory, the OUT_OF_MEMORY code it rejects with, and a step redone in smaller micro-batches after discard().
import { join, resolve } from 'node:path';

import type { TokenBatch, TrainConfig } from './config';
import { EngineError } from './errors';
import { memoryStats, setMemoryLimit } from './memory';
import { Model } from './model';

const LLAMA = join(resolve(__dirname, '../../../tools/tiny-model/models'), 'tiny-llama');

const rows = Array.from({ length: 4 }, (_, r) => Array.from({ length: 24 }, (_, t) => (r * 211 + t * 37 + 3) % 800));
const batch: TokenBatch = { inputIds: rows, labels: rows.map((row) => row.map((id, t) => (t % 7 === 0 ? -100 : id))) };
const rowsOf = (first: number, n: number): TokenBatch => ({ inputIds: batch.inputIds.slice(first, first + n), labels: batch.labels.slice(first, first + n) });

const full: TrainConfig = { mode: 'full', lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0.01, maxGradNorm: 1, schedule: 'constant', warmupSteps: 0, totalSteps: 4, seed: 3 };

describe('engine memory', () => {
  afterEach(() => setMemoryLimit(0));

  it('counts what models and trainers hold and gives it back when they go', async () => {
    const before = memoryStats().inUse;
    const model = await Model.load(LLAMA, { threads: 1 });
    const loaded = memoryStats().inUse - before;
    // f32 weights at least (plus RoPE's frequencies).
    expect(loaded).toBeGreaterThanOrEqual(model.info().numParameters * 4);
    const trainer = await model.createTrainer(full);
    // Gradients and two AdamW moments: three more copies of every weight.
    expect(memoryStats().inUse - before).toBeGreaterThanOrEqual(4 * loaded - 4096);
    trainer.dispose();
    model.dispose();
    expect(memoryStats().inUse).toBe(before);
  });

  it('rejects an allocation past the limit with OUT_OF_MEMORY; discard and smaller micro-batches redo the step', async () => {
    // The reference: one micro-batch of all four rows, no limit; and how far above its resting footprint a
    // one-row and a four-row micro-batch go.
    const ref = await Model.load(LLAMA, { threads: 1 });
    const refTrainer = await ref.createTrainer(full);
    const resting = memoryStats('cpu', true).inUse;
    await refTrainer.accumulate(rowsOf(0, 1));
    const oneRow = memoryStats('cpu', true).peak - resting;
    await refTrainer.discard();
    await refTrainer.accumulate(batch);
    const fourRows = memoryStats().peak - resting;
    const want = await refTrainer.step();
    refTrainer.dispose();
    ref.dispose();
    expect(fourRows).toBeGreaterThan(2 * oneRow);

    const model = await Model.load(LLAMA, { threads: 1 });
    const trainer = await model.createTrainer(full);
    try {
      setMemoryLimit(memoryStats().inUse + Math.round((oneRow + fourRows) / 2));
      const failure = await trainer.accumulate(batch).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(EngineError);
      expect((failure as EngineError).code).toBe('OUT_OF_MEMORY');
      expect((failure as EngineError).message).toMatch(/out of memory.*limit/);
      await expect(trainer.step()).rejects.toMatchObject({ code: 'STATE' });
      await trainer.discard();
      for (let r = 0; r < 4; r++) await trainer.accumulate(rowsOf(r, 1));
      const got = await trainer.step();
      expect(got.step).toBe(1);
      expect(got.tokens).toBe(want.tokens);
      expect(got.loss).toBeCloseTo(want.loss, 5);
      expect(got.gradNorm).toBeCloseTo(want.gradNorm, 4);
    } finally {
      trainer.dispose();
      model.dispose();
    }
  });

  it('checks its arguments', () => {
    expect(() => setMemoryLimit(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => setMemoryLimit(1.5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => memoryStats('tpu')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });
});
