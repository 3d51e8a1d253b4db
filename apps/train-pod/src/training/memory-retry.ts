/** One redo of a step that ran out of memory: the micro-batch it had, the one it retries with, and why. */
export interface MemoryRetry {
  step: number;
  fromMicroBatchSize: number;
  toMicroBatchSize: number;
  /** Micro-batches per optimizer step with the new size (the global batch stays the same). */
  accumulation: number;
  reason: string;
}

export interface MemoryRetryOptions<T> {
  trainer: { discard(): Promise<void> };
  /** 1-based optimizer step, for the messages. */
  step: number;
  /** Rows (or pairs) the step trains on: the global batch, which never changes. */
  batchSize: number;
  microBatchSize: number;
  /** The step's whole accumulation, in micro-batches of `microBatchSize`. */
  accumulate: (microBatchSize: number) => Promise<T>;
  onRetry: (retry: MemoryRetry) => void | Promise<void>;
}

/** Thrown when a step ran out of memory even one row at a time: nothing smaller is left to try. */
export class OutOfMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfMemoryError';
  }
}

/** The engine's code for an allocation that failed (duck-typed: addon errors cross realms). */
export function isOutOfMemory(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'OUT_OF_MEMORY';
}

/**
 * Runs one optimizer step's accumulation; when the engine runs out of memory, forgets what the step accumulated
 * and redoes it with half the micro-batch and so twice the accumulation: the same global batch, the same
 * gradient up to summation order. Down to one row per micro-batch, then it fails with an OutOfMemoryError
 * naming the step and what to change. Returns the micro-batch size that worked, which later steps keep (an
 * out-of-memory costs a step's work every time it happens).
 */
export async function accumulateWithMemoryRetry<T>(options: MemoryRetryOptions<T>): Promise<{ result: T; microBatchSize: number }> {
  let size = Math.max(1, Math.min(options.microBatchSize, options.batchSize));
  for (;;) {
    try {
      return { result: await options.accumulate(size), microBatchSize: size };
    } catch (error) {
      if (!isOutOfMemory(error)) throw error;
      const reason = (error as Error).message;
      // Whatever the step added before the failure is partial; the engine refuses to apply it until discarded.
      await options.trainer.discard();
      if (size === 1) {
        throw new OutOfMemoryError(
          `step ${options.step} ran out of memory even with a micro-batch of 1 (batch size ${options.batchSize}): ${reason}. ` +
            'The model and sequence length do not fit this machine: use a shorter maximum sequence length, LoRA, activation recomputation or more memory',
        );
      }
      const next = Math.max(1, Math.floor(size / 2));
      await options.onRetry({ step: options.step, fromMicroBatchSize: size, toMicroBatchSize: next, accumulation: Math.ceil(options.batchSize / next), reason });
      size = next;
    }
  }
}
