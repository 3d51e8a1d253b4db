import { collectChoice, runChoice, type ServedModel } from '@tuneforge/serving';
import { mapConcurrently } from '../evaluation/concurrently';
import { cleanText } from './text-task';

export interface Decoding {
  maxNewTokens: number;
  temperature: number;
}

export interface GeneratedText {
  /** The answer as metrics see it: cut at the first stop string, special tokens removed, trimmed. */
  text: string;
  /** The generated text, cut before the stop string that ended it, as the endpoint returns it. */
  raw: string;
  /** Tokens the engine generated for it (the endpoint's `completion_tokens`). */
  tokens: number;
  /** `stop` when an end-of-sequence id or a stop string ended it, `length` when it ran out of new tokens. */
  finishReason: 'stop' | 'length';
  /** The stop string that ended it, when one did. */
  stoppedBy?: string;
}

/**
 * Generates one answer per prompt on the serving path (libs/serving's `runChoice`, what the inference service's
 * endpoints run): the model's end-of-sequence ids in the engine, the item's stop strings on the decoded text, the
 * given decoding (temperature 0 = greedy; otherwise seed 0 for every prompt, so both models see the same decoding).
 * Up to `concurrency` prompts are decoded together in the model's scheduler; each sequence's tokens are its own
 * whatever runs beside it, so the answers do not depend on the batching.
 */
export async function generateTexts(
  model: ServedModel,
  items: ReadonlyArray<{ promptIds: number[]; stop: readonly string[] }>,
  decoding: Decoding,
  concurrency: number,
): Promise<GeneratedText[]> {
  return mapConcurrently(items, concurrency, async (item) => {
    const room = model.maxContext - item.promptIds.length;
    const end = await collectChoice(
      runChoice(model, item.promptIds, { maxTokens: Math.min(decoding.maxNewTokens, room), temperature: decoding.temperature, topP: 1, seed: 0, stop: item.stop, topLogprobs: 0 }),
    );
    if (end.finish === 'cancelled') throw new Error('the generation was cancelled (the model is being disposed)');
    return {
      text: cleanText(model.tokenizer, end.text),
      raw: end.text,
      tokens: end.completionTokens,
      finishReason: end.finish === 'length' && end.stop === undefined ? 'length' : 'stop',
      ...(end.stop !== undefined ? { stoppedBy: end.stop } : {}),
    };
  });
}
