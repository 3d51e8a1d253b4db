import type { GeneratedToken } from './decode-scheduler';
import { IncrementalDetokenizer, type TokenDecoder } from './incremental-detokenizer';

/** One generated token with its log-probability and, when asked for, the most likely alternatives. */
export interface TokenLogprob {
  token: number;
  logprob: number;
  top: ReadonlyArray<{ token: number; logprob: number }>;
}

/** Text the choice may show now, and the tokens that text completes (their log-probabilities go with it). */
export interface ChoiceDelta {
  text: string;
  tokens: TokenLogprob[];
}

interface PendingToken extends TokenLogprob {
  /** Where its text starts and ends in the choice's text. */
  start: number;
  end: number;
}

/**
 * The text of one choice as its tokens arrive: decoded incrementally, cut before the first stop string, and given
 * out only once it is certain — the end of the text that could still become a stop string is held back until the
 * next token decides. Streaming and non-streaming answers both read their text from here, so they are the same.
 */
export class ChoiceText {
  private readonly detokenizer: IncrementalDetokenizer;
  private readonly pending: PendingToken[] = [];
  private full = '';
  private shown = 0;
  private stoppedBy: string | undefined;
  /** Tokens the engine produced for this choice (what `usage.completion_tokens` counts). */
  tokenCount = 0;

  constructor(
    tokenizer: TokenDecoder,
    private readonly stops: readonly string[],
    promptTail: readonly number[] = [],
  ) {
    this.detokenizer = new IncrementalDetokenizer(tokenizer, promptTail);
  }

  /** The stop string the text ended at, once it has. */
  get stop(): string | undefined {
    return this.stoppedBy;
  }

  /** The text so far, up to the stop string when one ended it. */
  get text(): string {
    return this.full;
  }

  push(generated: GeneratedToken): ChoiceDelta {
    if (this.stoppedBy !== undefined) return { text: '', tokens: [] };
    this.tokenCount++;
    const start = this.full.length;
    this.full += this.detokenizer.push(generated.token);
    this.pending.push({ token: generated.token, logprob: generated.logprob, top: generated.top ?? [], start, end: this.full.length });
    return this.release(false);
  }

  /** Everything still held, once the sequence has ended without a stop string. */
  finish(): ChoiceDelta {
    if (this.stoppedBy !== undefined) return { text: '', tokens: [] };
    this.full += this.detokenizer.flush();
    const last = this.pending.at(-1);
    if (last) last.end = this.full.length;
    return this.release(true);
  }

  private release(final: boolean): ChoiceDelta {
    const stopAt = this.findStop();
    let limit: number;
    if (stopAt) {
      this.stoppedBy = stopAt.stop;
      this.full = this.full.slice(0, stopAt.at);
      limit = stopAt.at;
    } else {
      limit = final ? this.full.length : this.full.length - this.possibleStopStart();
    }
    const text = this.full.slice(this.shown, limit);
    this.shown = Math.max(this.shown, limit);
    // A token is given out with the text it completes; one that runs into the stop string still counts, as it was generated.
    // Starts and ends only grow, so the ready tokens are the first ones.
    const ready = this.pending.filter((token) => (this.stoppedBy !== undefined ? token.start < limit : token.end <= limit));
    this.pending.splice(0, this.stoppedBy !== undefined ? this.pending.length : ready.length);
    return { text, tokens: ready.map(({ token, logprob, top }) => ({ token, logprob, top })) };
  }

  /** The earliest stop string in the text not yet shown (shown text never holds the start of one). */
  private findStop(): { at: number; stop: string } | undefined {
    let best: { at: number; stop: string } | undefined;
    for (const stop of this.stops) {
      const at = this.full.indexOf(stop, this.shown);
      if (at >= 0 && (!best || at < best.at)) best = { at, stop };
    }
    return best;
  }

  /** Length of the longest end of the unshown text that is the beginning of a stop string. */
  private possibleStopStart(): number {
    let longest = 0;
    const unshown = this.full.length - this.shown;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, unshown); length > longest; length--) {
        if (this.full.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
