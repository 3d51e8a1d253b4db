import type { ServedModel } from '../models/served-model';
import { ChoiceText, type ChoiceDelta } from './choice-text';
import { recordFirstToken, recordSequenceEnd } from './serving-metrics';
import type { SequenceEnd } from './token-queue';

/** What one choice is asked for: sampling, budget and stop strings. */
export interface ChoiceRequest {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
  stop: readonly string[];
  topLogprobs: number;
}

/** How a choice ended, with its whole text (cut before the stop string when one ended it). */
export interface ChoiceEnd {
  /** `stop`: an end-of-sequence id or a stop string; `length`: the token budget; `cancelled`: the client left. */
  finish: SequenceEnd;
  text: string;
  completionTokens: number;
}

/**
 * Generates one choice on the model's scheduler and yields its text as it becomes certain (ChoiceText), with the
 * log-probabilities of the tokens that text completes. The engine stops at the model's end-of-sequence ids; a stop
 * string ends the sequence here, and leaving early — a stop string, or `signal` when the client goes — frees the
 * sequence's slot in the batch.
 */
export async function* runChoice(model: ServedModel, prompt: readonly number[], request: ChoiceRequest, signal: AbortSignal): AsyncGenerator<ChoiceDelta, ChoiceEnd> {
  const options = {
    maxNewTokens: request.maxTokens,
    temperature: request.temperature,
    topP: request.topP,
    seed: request.seed,
    stop: model.endOfSequenceIds.map((id) => [id]),
    topLogprobs: request.topLogprobs,
  };
  const tokens = model.scheduler.generate(prompt, options, signal);
  const text = new ChoiceText(model.tokenizer, request.stop, prompt);
  const startedAt = performance.now();
  let finish: SequenceEnd = 'cancelled';
  try {
    for (;;) {
      const next = await tokens.next();
      if (next.done) {
        finish = next.value;
        const rest = text.finish();
        if (rest.text || rest.tokens.length) yield rest;
        return { finish, text: text.text, completionTokens: text.tokenCount };
      }
      if (text.tokenCount === 0) recordFirstToken(startedAt);
      const delta = text.push(next.value);
      if (delta.text || delta.tokens.length) yield delta;
      if (text.stop !== undefined) {
        finish = 'stop';
        return { finish, text: text.text, completionTokens: text.tokenCount };
      }
    }
  } finally {
    recordSequenceEnd(finish, text.tokenCount);
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
