import type { ModelTokenizer } from '@tuneforge/datasets';
import type { Model } from '@tuneforge/engine';
import { cleanText } from './text-task';

export interface Decoding {
  maxNewTokens: number;
  temperature: number;
}

export interface GeneratedText {
  /** The answer as metrics see it: cut at the first stop string, special tokens removed, trimmed. */
  text: string;
  /** The decoded generation before cleaning, for the report. */
  raw: string;
  tokens: number;
  /** `stop` when a stop string or token ended it, `length` when it ran out of new tokens. */
  finishReason: 'stop' | 'length';
  /** The stop string found in the text, when one was (the engine removes the one it matched and does not say which). */
  stoppedBy?: string;
}

/** Prompts per engine call: enough to keep the kernels busy, few enough that a long evaluation reports steadily. */
const BATCH = 8;

/**
 * Generates one answer per prompt with the given decoding (temperature 0 = greedy, seeded otherwise, so
 * both models see the same decoding). Stops are token sequences for the engine (each stop string as the
 * tokenizer writes it on its own) and are checked again on the text, because a string such as
 * `\nObservation:` can tokenize differently after what precedes it.
 */
export async function generateTexts(
  model: Model,
  tokenizer: ModelTokenizer,
  items: ReadonlyArray<{ promptIds: number[]; stop: readonly string[] }>,
  decoding: Decoding,
): Promise<GeneratedText[]> {
  const out: GeneratedText[] = [];
  for (let start = 0; start < items.length; start += BATCH) {
    const batch = items.slice(start, start + BATCH);
    // One call per distinct stop set: the engine takes one list for the whole batch.
    const groups = new Map<string, number[]>();
    batch.forEach((item, i) => {
      const key = JSON.stringify(item.stop);
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const results = new Array<GeneratedText>(batch.length);
    for (const [key, indices] of groups) {
      const stops = JSON.parse(key) as string[];
      const generations = await model.generate(
        indices.map((i) => batch[i].promptIds),
        { maxNewTokens: decoding.maxNewTokens, temperature: decoding.temperature, seed: 0, stop: stopSequences(tokenizer, stops) },
      );
      generations.forEach((generation, j) => (results[indices[j]] = finish(tokenizer, tokenizer.decode(generation.tokens), generation.tokens.length, generation.finishReason, stops)));
    }
    out.push(...results);
  }
  return out;
}

function stopSequences(tokenizer: ModelTokenizer, stops: readonly string[]): number[][] {
  const sequences = stops.map((stop) => tokenizer.tokenId(stop) !== undefined ? [tokenizer.tokenId(stop) as number] : tokenizer.encode(stop));
  return sequences.filter((sequence) => sequence.length > 0);
}

function finish(tokenizer: ModelTokenizer, raw: string, tokens: number, finishReason: 'stop' | 'length', stops: readonly string[]): GeneratedText {
  let cut = raw.length;
  let stoppedBy: string | undefined;
  for (const stop of stops) {
    const at = raw.indexOf(stop);
    if (at >= 0 && at < cut) {
      cut = at;
      stoppedBy = stop;
    }
  }
  return {
    text: cleanText(tokenizer, raw.slice(0, cut)),
    raw,
    tokens,
    finishReason: stoppedBy !== undefined ? 'stop' : finishReason,
    ...(stoppedBy !== undefined ? { stoppedBy } : {}),
  };
}
