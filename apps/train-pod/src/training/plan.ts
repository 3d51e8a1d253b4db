import { IGNORE_INDEX, type PackedSequence } from '@tuneforge/datasets';

export interface StepPlanOptions {
  sequences: number;
  epochs: number;
  batchSize: number;
  microBatchSize: number;
  seed: number;
  /** Optimizer steps per batch (a reinforcement run's numIterations): consecutive steps train on the same rows. */
  repeats?: number;
}

export interface MicroBatch {
  inputIds: number[][];
  labels: number[][];
  positionIds: number[][];
  /** Real (non-padding) tokens. */
  tokens: number;
}

/**
 * Which packed rows each optimizer step trains on: every epoch a seeded permutation of the rows, cut into
 * batches of `batchSize` (the last one may be short). A pure function of the step number, so a pod that
 * resumes at step k trains on exactly the rows the killed one would have.
 */
export class StepPlan {
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  private readonly repeats: number;
  private readonly orders = new Map<number, number[]>();

  constructor(private readonly options: StepPlanOptions) {
    if (options.sequences < 1) throw new RangeError('there is nothing to train on: no packed sequences');
    const repeats = options.repeats ?? 1;
    if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats ${repeats} must be a positive integer`);
    this.repeats = repeats;
    this.stepsPerEpoch = Math.ceil(options.sequences / options.batchSize) * repeats;
    this.totalSteps = this.stepsPerEpoch * options.epochs;
  }

  /** 1-based step → the indices of its rows. */
  rowsOf(step: number): number[] {
    if (!Number.isInteger(step) || step < 1 || step > this.totalSteps) throw new RangeError(`step ${step} is outside 1..${this.totalSteps}`);
    const epoch = Math.floor((step - 1) / this.stepsPerEpoch);
    const within = Math.floor(((step - 1) % this.stepsPerEpoch) / this.repeats);
    const order = this.orderOf(epoch);
    return order.slice(within * this.options.batchSize, (within + 1) * this.options.batchSize);
  }

  epochOf(step: number): number {
    return (step - 1) / this.stepsPerEpoch;
  }

  /**
   * The step's rows as micro-batches of at most `microBatchSize` rows (gradient accumulation); a smaller size than
   * the plan's (a step redone after running out of memory) cuts the same rows finer.
   */
  microBatches(step: number, sequences: readonly PackedSequence[], padTokenId: number, microBatchSize = this.options.microBatchSize): MicroBatch[] {
    if (!Number.isInteger(microBatchSize) || microBatchSize < 1) throw new RangeError(`micro-batch size ${microBatchSize} must be a positive integer`);
    const rows = this.rowsOf(step).map((i) => sequences[i]);
    const out: MicroBatch[] = [];
    for (let start = 0; start < rows.length; start += microBatchSize) {
      out.push(padRows(rows.slice(start, start + microBatchSize), padTokenId));
    }
    return out;
  }

  private orderOf(epoch: number): number[] {
    let order = this.orders.get(epoch);
    if (!order) {
      order = seededPermutation(this.options.sequences, this.options.seed * 1_000_003 + epoch);
      this.orders.clear();
      this.orders.set(epoch, order);
    }
    return order;
  }
}

/** Rows padded to the longest: padding never counts in the loss and restarts positions (a segment of its own). */
export function padRows(rows: readonly PackedSequence[], padTokenId: number): MicroBatch {
  const width = Math.max(...rows.map((r) => r.input_ids.length));
  const batch: MicroBatch = { inputIds: [], labels: [], positionIds: [], tokens: 0 };
  for (const row of rows) {
    const pad = width - row.input_ids.length;
    batch.inputIds.push([...row.input_ids, ...new Array<number>(pad).fill(padTokenId)]);
    batch.labels.push([...row.labels, ...new Array<number>(pad).fill(IGNORE_INDEX)]);
    batch.positionIds.push([...row.position_ids, ...Array.from({ length: pad }, (_, p) => p)]);
    batch.tokens += row.input_ids.length;
  }
  return batch;
}

/** Fisher-Yates with mulberry32: the same permutation for the same seed on every machine. */
export function seededPermutation(n: number, seed: number): number[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
