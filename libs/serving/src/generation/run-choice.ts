import type { ServedModel } from '../model/served-model';
import { ChoiceText, type ChoiceDelta } from './choice-text';
import type { SequenceEnd } from './token-queue';

/** What one choice is asked for: sampling, budget and stop strings. */
export interface ChoiceRequest {
  maxTokens: number;
  temperature: number;
  topP: number;
  /** Only the k most likely tokens are sampled from (absent or 0: all). The HTTP endpoints never set it. */
  topK?: number;
  seed: number;
  stop: readonly string[];
  topLogprobs: number;
}

/** How a choice ended, with its whole text (cut before the stop string when one ended it). */
export interface ChoiceEnd {
  /** `stop`: an end-of-sequence id or a stop string; `length`: the token budget; `cancelled`: the client left. */
  finish: SequenceEnd;
  /** The stop string that ended it, when one did (an end-of-sequence id ends it with `stop` and no string). */
  stop?: string;
  text: string;
  completionTokens: number;
}

/**
 * Watches choices as they run, for whoever counts them (the inference service's OpenTelemetry metrics); serving
 * itself needs none.
 */
export interface ChoiceObserver {
  /** The choice's first token came, `seconds` after it joined the scheduler (queueing and prefill included). */
  firstToken?(seconds: number): void;
  /** The choice ended, however it did, after the engine generated `tokens` tokens for it. */
  end?(finish: SequenceEnd, tokens: number): void;
}

export interface RunChoiceOptions {
  /** Aborting ends the choice and frees its slot in the batch (a client that went away). */
  signal?: AbortSignal;
  observer?: ChoiceObserver;
}

/**
 * Generates one choice on the model's scheduler and yields its text as it becomes certain (ChoiceText), with the
 * log-probabilities of the tokens that text completes. The engine stops at the model's end-of-sequence ids; a stop
 * string ends the sequence here, and leaving early — a stop string, or `signal` when the client goes — frees the
 * sequence's slot in the batch. The HTTP endpoints and the agent model (and so the evaluator) all generate here.
 */
export async function* runChoice(model: ServedModel, prompt: readonly number[], request: ChoiceRequest, options: RunChoiceOptions = {}): AsyncGenerator<ChoiceDelta, ChoiceEnd> {
  const sequence = {
    maxNewTokens: request.maxTokens,
    temperature: request.temperature,
    topP: request.topP,
    ...(request.topK ? { topK: request.topK } : {}),
    seed: request.seed,
    stop: model.endOfSequenceIds.map((id) => [id]),
    topLogprobs: request.topLogprobs,
    ...(model.loraSlot ? { loraSlot: model.loraSlot } : {}),
  };
  const { signal, observer } = options;
  const tokens = model.scheduler.generate(prompt, sequence, signal);
  const text = new ChoiceText(model.tokenizer, request.stop, prompt);
  const startedAt = performance.now();
  let finish: SequenceEnd = 'cancelled';
  const end = (): ChoiceEnd => ({ finish, ...(text.stop !== undefined ? { stop: text.stop } : {}), text: text.text, completionTokens: text.tokenCount });
  try {
    for (;;) {
      const next = await tokens.next();
      if (next.done) {
        finish = next.value;
        const rest = text.finish();
        if (rest.text || rest.tokens.length) yield rest;
        return end();
      }
      if (text.tokenCount === 0) observer?.firstToken?.((performance.now() - startedAt) / 1000);
      const delta = text.push(next.value);
      if (delta.text || delta.tokens.length) yield delta;
      if (text.stop !== undefined) {
        finish = 'stop';
        return end();
      }
    }
  } finally {
    observer?.end?.(finish, text.tokenCount);
    await tokens.return('cancelled');
  }
}

/** Runs a choice to its end, gathering what it yields: the non-streaming answer. */
export async function collectChoice(choice: AsyncGenerator<ChoiceDelta, ChoiceEnd>): Promise<ChoiceEnd & { tokens: ChoiceDelta['tokens'] }> {
  const tokens: ChoiceDelta['tokens'] = [];
  for (;;) {
    const next = await choice.next();
    if (next.done) return { ...next.value, tokens };
    tokens.push(...next.value.tokens);
  }
}

/** Engine seeds are non-negative 31-bit integers; choice `index` of a seeded request gets its own, reproducible one. */
export function choiceSeed(seed: number | null | undefined, index: number): number {
  const RANGE = 2 ** 31;
  if (seed === null || seed === undefined) return Math.floor(Math.random() * RANGE);
  return (((seed % RANGE) + RANGE + index) % RANGE);
}
