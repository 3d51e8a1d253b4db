import { type SequenceOptions, type SessionOptions, checkToken, resolveSequenceOptions } from './config';
import { type NativeStepOutput, type SessionHandle, binding } from './binding';
import { EngineError, invalid } from './errors';
import type { Model } from './model';

export interface TokenLogprob {
  token: number;
  /** Log-probability under the raw logits (before temperature and filters). */
  logprob: number;
}

/** What one step chose for one sequence. */
export interface SessionStepResult {
  /** The sequence, as `add` returned it. */
  id: number;
  token: number;
  /** The model's log-probability of `token` (raw logits, before temperature and filters), as model.generate reports. */
  logprob: number;
  /** The `topLogprobs` most likely tokens, most likely first (ties by id); present when the sequence asked for them. */
  top?: TokenLogprob[];
  /** Why the sequence ended this step (it has then left the session), or null while it goes on. */
  finished: 'stop' | 'length' | null;
  /**
   * Trailing tokens, this one included, not (yet) part of the completion: a partial match of a stop sequence
   * that a later step may complete, or on 'stop' the matched stop sequence itself, which model.generate
   * removes. A streaming client can send all of a sequence's tokens but the last `held`. 0 on 'length'.
   */
  held: number;
}

const FINISH: Record<number, SessionStepResult['finished']> = { [-1]: null, 0: 'length', 1: 'stop' };

/**
 * Continuous batching over one model: sequences join (`add`, which prefills the prompt) and leave
 * (`remove`, or when they finish) between steps; each `step` decodes every active sequence in one batched
 * pass and returns one token per sequence. Each sequence has its own KV cache, sampling options and seed, so
 * its tokens are those model.generate gives for its prompt alone. Calls queue behind the model's other calls.
 */
export class DecodeSession {
  private handle: SessionHandle | undefined;

  constructor(
    readonly model: Model,
    handle: SessionHandle,
    readonly options: Readonly<SessionOptions>,
  ) {
    this.handle = handle;
  }

  private get native(): SessionHandle {
    if (!this.handle) throw new EngineError('DISPOSED', 'the session has been disposed');
    return this.handle;
  }

  /**
   * Adds a sequence and prefills its prompt; resolves to its id (ids count up from 0, never reused). It
   * chooses its first token at the next step. Rejects with STATE while maxSequences sequences are active.
   */
  async add(prompt: readonly number[], options: SequenceOptions): Promise<number> {
    const vocab = this.model.info().vocabSize;
    if (!Array.isArray(prompt) || prompt.length === 0) throw invalid('prompt must be a non-empty token array');
    prompt.forEach((t, i) => checkToken(t, `prompt[${i}]`, vocab));
    if (prompt.length >= this.options.maxContext)
      throw invalid(`a prompt of ${prompt.length} tokens leaves no room in a context of ${this.options.maxContext}`);
    const o = resolveSequenceOptions(options, vocab);
    const s = this.native;
    const ids = Int32Array.from(prompt);
    return this.model.run(() => binding().sessionAdd(s, ids, o));
  }

  /** One decoding step for every active sequence, in id order; [] when none is active. */
  async step(): Promise<SessionStepResult[]> {
    const s = this.native;
    const out = await this.model.run(() => binding().sessionStep(s));
    return out.map(toResult);
  }

  /**
   * Frees the sequence's cache and slot, mid-generation or not (a client that went away). Resolves to
   * false when it had already finished or been removed; rejects for an id this session never issued.
   */
  async remove(id: number): Promise<boolean> {
    if (!Number.isInteger(id) || id < 0) throw invalid('id must be a non-negative integer');
    const s = this.native;
    return this.model.run(() => binding().sessionRemove(s, id));
  }

  /** Frees every sequence; calls already queued still complete. */
  dispose(): void {
    if (this.handle) binding().freeSession(this.handle);
    this.handle = undefined;
  }
}

function toResult(o: NativeStepOutput): SessionStepResult {
  const r: SessionStepResult = { id: o.id, token: o.token, logprob: o.logprob, finished: FINISH[o.finish] ?? null, held: o.held };
  if (o.top.length > 0) r.top = o.top;
  return r;
}
