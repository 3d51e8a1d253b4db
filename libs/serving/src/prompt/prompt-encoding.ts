import { renderChat, type Message, type ModelTokenizer, type ToolDefinition } from '@tuneforge/datasets';

/**
 * A text prompt (`/v1/completions`, ReAct completion mode) as the model is given it: encoded as training encodes
 * prompt/completion samples (libs/datasets' `tokenizePromptCompletion`), with the tokenizer's special tokens.
 */
export function encodeTextPrompt(tokenizer: ModelTokenizer, text: string): number[] {
  return tokenizer.encode(text, true);
}

/**
 * A chat (`/v1/chat/completions`) as prompt text: the messages and tools rendered by the model's own chat template
 * with the generation prompt, through libs/datasets' `renderChat` — the function that renders training data, so a
 * tuned model sees tools and history exactly as it was trained on them. No tools (none, or an empty list) renders
 * without a tools block.
 */
export function renderChatPrompt(tokenizer: ModelTokenizer, messages: readonly Message[], tools?: readonly ToolDefinition[]): string {
  return renderChat(tokenizer, [...messages], tools && tools.length > 0 ? [...tools] : undefined, { addGenerationPrompt: true });
}

/** Rendered chat text as tokens: the template wrote its special tokens, so none are added. */
export function encodeRenderedChat(tokenizer: ModelTokenizer, text: string): number[] {
  return tokenizer.encode(text);
}
