import { TokenQueue, type SequenceEnd } from './token-queue';

/** Sampling for one sequence, as the engine's decode session takes it. */
export interface SequenceOptions {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  topP: number;
  /** Only the k most likely tokens are sampled from (0 or absent: all). The HTTP endpoints never set it. */
  topK?: number;
  seed: number;
  /** Token sequences that end the sequence: the model's end-of-sequence ids, one each. */
  stop: number[][];
  /** Alternatives to report with each token (0: none). */
  topLogprobs: number;
  /** The engine's LoRA slot to decode with (a tuned model served as an adapter over the base); absent: the base. */
  loraSlot?: number;
}

/** One decoded token with the model's log-probability of it (raw logits, before temperature and filters). */
export interface GeneratedToken {
  token: number;
  logprob: number;
  /** The most likely tokens at that step, most likely first, when asked for. */
  top?: ReadonlyArray<{ token: number; logprob: number }>;
}

/** What the scheduler needs of the engine's decode session (libs/engine `DecodeSession`). */
export interface DecodeSessionPort {
  add(prompt: readonly number[], options: SequenceOptions): Promise<number>;
  step(): Promise<ReadonlyArray<GeneratedToken & { id: number; finished: 'stop' | 'length' | null }>>;
  remove(id: number): unknown;
  dispose(): void;
}

export interface SchedulerLoad {
  running: number;
  waiting: number;
  cancelled: number;
}

interface Waiting {
  prompt: readonly number[];
  options: SequenceOptions;
  queue: TokenQueue;
}

interface Running {
  queue: TokenQueue;
  /** The single-token stop sequences (end-of-sequence ids): a sequence ending on one does not emit it. */
  endIds: ReadonlySet<number>;
}

/**
 * Continuous batching over one model's decode session: every running sequence advances one token per engine step,
 * a new request joins at the next step boundary (up to `maxSequences` at once; the rest wait in arrival order), a
 * finished sequence leaves, and so does one whose consumer went away (a client that disconnected), which frees its
 * slot and KV cache at the next boundary. Each request reads its own tokens as an async generator.
 */
export class DecodeScheduler {
  private readonly waiting: Waiting[] = [];
  private readonly running = new Map<number, Running>();
  /** Set and cleared synchronously with the loop's last look at the queues, so no request is ever left behind. */
  private looping = false;
  private loop: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly session: DecodeSessionPort,
    readonly maxSequences: number,
  ) {}

  /** Sequences removed because their consumer left before they ended (a client that disconnected). */
  private cancelledCount = 0;

  /** Sequences decoding now or waiting for a slot, and how many were cancelled so far. */
  get load(): SchedulerLoad {
    return { running: this.running.size, waiting: this.waiting.length, cancelled: this.cancelledCount };
  }

  /**
   * Generates one sequence. The generator yields each token as the engine produces it and returns why the sequence
   * ended; leaving it early (return, break, or `signal` aborting) frees the sequence's slot.
   */
  async *generate(prompt: readonly number[], options: SequenceOptions, signal?: AbortSignal): AsyncGenerator<GeneratedToken, SequenceEnd> {
    if (this.disposed) throw new Error('the decode scheduler is disposed');
    const queue = new TokenQueue();
    const abort = () => queue.cancel();
    signal?.addEventListener('abort', abort);
    this.waiting.push({ prompt, options, queue });
    if (!this.looping) {
      this.looping = true;
      this.loop = this.run();
    }
    try {
      if (signal?.aborted) return 'cancelled';
      for (;;) {
        const next = await queue.next();
        if (next.done) return next.end;
        yield next.token;
      }
    } finally {
      signal?.removeEventListener('abort', abort);
      queue.cancel();
    }
  }

  /** Ends every sequence and releases the session once its current step is done. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const waiting of this.waiting.splice(0)) waiting.queue.cancel();
    for (const { queue } of this.running.values()) queue.cancel();
    await this.loop;
    this.session.dispose();
  }

  private async run(): Promise<void> {
    try {
      await this.decode();
    } catch (error) {
      // The session itself failed (a remove refused): nothing can be trusted to go on; every request hears why.
      for (const waiting of this.waiting.splice(0)) waiting.queue.fail(error as Error);
      for (const { queue } of this.running.values()) queue.fail(error as Error);
      this.running.clear();
      this.looping = false;
    }
  }

  private async decode(): Promise<void> {
    for (;;) {
      if (this.running.size === 0 && this.waiting.length === 0) {
        this.looping = false;
        return;
      }
      await this.admit();
      await this.dropCancelled();
      if (this.running.size === 0) continue;
      let results: Awaited<ReturnType<DecodeSessionPort['step']>>;
      try {
        results = await this.session.step();
      } catch (error) {
        await this.failRunning(error as Error);
        continue;
      }
      for (const result of results) {
        const running = this.running.get(result.id);
        if (!running) continue;
        const endOfSequence = result.finished === 'stop' && running.endIds.has(result.token);
        running.queue.push(endOfSequence ? null : { token: result.token, logprob: result.logprob, ...(result.top ? { top: result.top } : {}) }, result.finished);
        if (result.finished) await this.release(result.id);
      }
    }
  }

  /** Waiting requests join, oldest first, while there are free slots. */
  private async admit(): Promise<void> {
    while (this.waiting.length > 0 && this.running.size < this.maxSequences) {
      const next = this.waiting.shift()!;
      if (next.queue.cancelled) continue;
      try {
        const endIds = new Set(next.options.stop.filter((sequence) => sequence.length === 1).map(([id]) => id));
        this.running.set(await this.session.add(next.prompt, next.options), { queue: next.queue, endIds });
      } catch (error) {
        next.queue.fail(error as Error);
      }
    }
  }

  private async dropCancelled(): Promise<void> {
    for (const [id, { queue }] of [...this.running]) {
      if (!queue.cancelled) continue;
      this.cancelledCount++;
      await this.release(id);
    }
  }

  private async release(id: number): Promise<void> {
    this.running.delete(id);
    await this.session.remove(id);
  }

  private async failRunning(error: Error): Promise<void> {
    for (const [id, { queue }] of [...this.running]) {
      queue.fail(error);
      await this.release(id).catch(() => undefined);
    }
  }
}
