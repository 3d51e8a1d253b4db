import type { TokenDecoder } from './incremental-detokenizer';
import type { TokenLogprob } from './choice-text';

/** OpenAI's per-token entry in a chat completion's `logprobs.content`. */
export interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

/** OpenAI's legacy `logprobs` of a text completion: parallel lists, one entry per token. */
export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: Array<number | null>;
  top_logprobs: Array<Record<string, number> | null>;
  text_offset: number[];
}

/**
 * A token as text on its own. A token that holds part of a UTF-8 character reads as U+FFFD here (and its bytes as
 * that character's); the choice's text has the whole character.
 */
export function tokenString(tokenizer: TokenDecoder, token: number): string {
  return tokenizer.decode([token]);
}

const bytesOf = (text: string): number[] => [...Buffer.from(text, 'utf8')];

export function chatTokenLogprobs(tokenizer: TokenDecoder, tokens: readonly TokenLogprob[], topLogprobs: number): ChatTokenLogprob[] {
  return tokens.map(({ token, logprob, top }) => {
    const text = tokenString(tokenizer, token);
    return {
      token: text,
      logprob,
      bytes: bytesOf(text),
      top_logprobs: top.slice(0, topLogprobs).map((alternative) => {
        const alternativeText = tokenString(tokenizer, alternative.token);
        return { token: alternativeText, logprob: alternative.logprob, bytes: bytesOf(alternativeText) };
      }),
    };
  });
}

/**
 * Legacy completion logprobs for tokens whose text starts at `textOffset` in the choice's text (after an echoed
 * prompt, at its length). `logprobs: n` asks for the n most likely alternatives at each step.
 */
export function completionLogprobs(tokenizer: TokenDecoder, tokens: ReadonlyArray<{ token: number; logprob: number | null; top: TokenLogprob['top'] }>, topLogprobs: number, textOffset: number): CompletionLogprobs {
  const out: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let offset = textOffset;
  for (const { token, logprob, top } of tokens) {
    const text = tokenString(tokenizer, token);
    out.tokens.push(text);
    out.token_logprobs.push(logprob);
    out.top_logprobs.push(logprob === null ? null : Object.fromEntries(top.slice(0, topLogprobs).map((alternative) => [tokenString(tokenizer, alternative.token), alternative.logprob])));
    out.text_offset.push(offset);
    offset += text.length;
  }
  return out;
}
