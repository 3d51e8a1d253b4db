import type { Conversation } from '../conversation/conversation.schema';
import { renderChat } from './chat-template';
import type { ModelTokenizer } from './model-tokenizer';
import { IGNORE_INDEX, type TokenizedSample } from './tokenized-sample';

/** The template renders earlier turns differently once later turns exist, so no prefix lines up. */
export class ChatTemplateMismatchError extends Error {
  constructor(
    readonly messageIndex: number,
    detail: string,
  ) {
    super(`chat template is not prefix-stable at message ${messageIndex}: ${detail}`);
    this.name = 'ChatTemplateMismatchError';
  }
}

/** One trained assistant turn, in characters of the rendered text and in tokens. */
export interface LabeledSpan {
  messageIndex: number;
  charStart: number;
  charEnd: number;
  tokenStart: number;
  tokenEnd: number;
}

export interface TokenizedConversation extends TokenizedSample {
  text: string;
  spans: LabeledSpan[];
}

function commonPrefixLength(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Renders a conversation with the model's chat template and labels exactly the tokens the model must
 * produce: each assistant turn with weight 1 — its text, its tool calls and its end-of-turn token — and
 * nothing of system, user or tool-result turns.
 *
 * Where a turn starts and ends is found from the template itself rather than by searching the text: the
 * turn starts where rendering the conversation before it with the generation prompt ends, and ends where
 * rendering through it ends. Both must be prefixes of the full rendering (checked). Character boundaries
 * become token boundaries by tokenizing the text up to each boundary and taking the length of the common
 * prefix with the full tokenization, which is exact whenever the tokenizer does not merge across the
 * boundary (chat templates put special tokens there) and otherwise leaves the straddling token to the turn
 * when it starts inside it. Trailing newlines a template adds after the end-of-turn special token are not
 * trained: serving stops at that token.
 */
export function tokenizeConversation(tokenizer: ModelTokenizer, conversation: Conversation): TokenizedConversation {
  const { messages, tools } = conversation;
  const text = renderChat(tokenizer, messages, tools);
  const inputIds = tokenizer.encode(text);
  const labels = new Array<number>(inputIds.length).fill(IGNORE_INDEX);
  const spans: LabeledSpan[] = [];
  const specials = tokenizer.specialTokens;

  const tokenBoundary = (charOffset: number): number => {
    if (charOffset >= text.length) return inputIds.length;
    return commonPrefixLength(tokenizer.encode(text.slice(0, charOffset)), inputIds);
  };

  messages.forEach((message, i) => {
    if (message.role !== 'assistant' || message.weight === 0) return;
    const before = renderChat(tokenizer, messages.slice(0, i), tools, { addGenerationPrompt: true });
    const through = renderChat(tokenizer, messages.slice(0, i + 1), tools);
    if (!text.startsWith(before)) throw new ChatTemplateMismatchError(i, 'the prompt before this turn is not a prefix of the full rendering');
    if (!text.startsWith(through)) throw new ChatTemplateMismatchError(i, 'the rendering through this turn is not a prefix of the full rendering');
    const charStart = before.length;
    let charEnd = through.length;
    const trimmed = through.trimEnd();
    if (trimmed.length < charEnd && specials.some((s) => trimmed.endsWith(s))) charEnd = trimmed.length;
    if (charEnd <= charStart) return;
    const tokenStart = tokenBoundary(charStart);
    const tokenEnd = tokenBoundary(charEnd);
    for (let t = tokenStart; t < tokenEnd; t++) labels[t] = inputIds[t];
    spans.push({ messageIndex: i, charStart, charEnd, tokenStart, tokenEnd });
  });
  return { text, input_ids: inputIds, labels, spans };
}
