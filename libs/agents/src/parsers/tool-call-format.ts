import { renderChat, type ModelTokenizer } from '@tuneforge/datasets';
import type { ParserFormat } from './create-parser';

/** The chat-mode formats a template writes tool calls in, each read back by the parser of that name. */
export type ChatToolCallFormat = Extract<ParserFormat, 'qwen' | 'llama3' | 'openai-json'>;

const PROBE_CALL = { id: 'call_probe', type: 'function' as const, function: { name: 'probe_tool', arguments: '{"x":1}' } };
const PROBE_TOOL = { type: 'function' as const, function: { name: 'probe_tool', parameters: { type: 'object', properties: { x: { type: 'number' } } } } };

/**
 * The syntax the model's chat template writes an assistant's tool call in, found by rendering one: `<tool_call>`
 * blocks (Qwen / Hermes, and libs/datasets' default format for templates without tools), `<|python_tag|>` or
 * `<|eom_id|>` (Llama 3), otherwise a JSON call object. Training data is rendered by the same template, so this is
 * the syntax a tuned model answers in, and the parser serving and evaluation read calls with.
 */
export function detectToolCallFormat(tokenizer: ModelTokenizer): ChatToolCallFormat {
  let probe: string;
  try {
    probe = renderChat(tokenizer, [{ role: 'user', content: 'probe' }, { role: 'assistant', content: null, tool_calls: [PROBE_CALL] }], [PROBE_TOOL]);
  } catch {
    // A template that cannot render tool calls at all: the model can only have learnt calls as plain JSON.
    return 'openai-json';
  }
  if (probe.includes('<tool_call>')) return 'qwen';
  if (probe.includes('<|python_tag|>') || probe.includes('<|eom_id|>')) return 'llama3';
  return 'openai-json';
}
