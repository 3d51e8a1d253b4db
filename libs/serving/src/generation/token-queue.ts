import type { GeneratedToken } from './decode-scheduler';

/** Why a sequence ended: an end-of-sequence id (`stop`), its token budget (`length`), or its consumer left. */
export type SequenceEnd = 'stop' | 'length' | 'cancelled';

type Next = { done: false; token: GeneratedToken } | { done: true; end: SequenceEnd };

/**
 * The tokens of one sequence between the scheduler's loop (which pushes after each engine step) and the request
 * reading them (which may be slower, or gone). Tokens are buffered, so a slow reader never holds up the batch.
 */
export class TokenQueue {
  private readonly buffered: GeneratedToken[] = [];
  private end: SequenceEnd | undefined;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  get cancelled(): boolean {
    return this.end === 'cancelled';
  }

  /** `token` is null when the step only ended the sequence (its end-of-sequence token is not text). */
  push(token: GeneratedToken | null, finished: 'stop' | 'length' | null): void {
    if (this.end) return;
    if (token) this.buffered.push(token);
    if (finished) this.end = finished;
    this.notify();
  }

  cancel(): void {
    if (this.end) return;
    this.end = 'cancelled';
    this.buffered.length = 0;
    this.notify();
  }

  fail(error: Error): void {
    if (this.end) return;
    this.error = error;
    this.end = 'cancelled';
    this.notify();
  }

  async next(): Promise<Next> {
    for (;;) {
      if (this.error) throw this.error;
      const token = this.buffered.shift();
      if (token) return { done: false, token };
      if (this.end) return { done: true, end: this.end };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
