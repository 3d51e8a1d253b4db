import { chatContentText, type ChatCompletionRequest, type ChatMessage } from '@tuneforge/contracts';
import { renderChat, type Message, type ModelTokenizer, type ToolDefinition } from '@tuneforge/datasets';
import { encodeRenderedChat, renderChatPrompt } from '@tuneforge/serving';

/** How the request wants tools used: `none` removed them before rendering. */
export type ToolUse = { kind: 'none' } | { kind: 'auto' } | { kind: 'required' } | { kind: 'named'; name: string };

/** The prompt of a chat request, as the model sees it. */
export interface ChatPrompt {
  tokens: number[];
  /**
   * The start of the assistant's turn written into the prompt for tool_choice `required` or a named tool: the
   * beginning of a call as the template writes one (named: up to the arguments). The output continues it.
   */
  prefill: string;
  /** The tools the output may call; empty when tools are not offered (none given, or tool_choice `none`). */
  tools: ToolDefinition[];
  toolUse: ToolUse;
}

const ARGUMENTS_PROBE = { tuneforge_arguments_probe: 1 };
const ARGUMENTS_PROBE_TEXT = '"tuneforge_arguments_probe"';

/**
 * Renders a chat request with the model's own template through libs/datasets' `renderChat` — the function that
 * renders training data, so a tuned model sees its tools and history exactly as it was trained on them (templates
 * without tool support get the default Hermes format there). `tool_choice: "none"` removes the tools. The prompt
 * is libs/serving's (`renderChatPrompt`), which the evaluator's agent loop renders its chat turns with too.
 */
export function buildChatPrompt(tokenizer: ModelTokenizer, request: ChatCompletionRequest): ChatPrompt {
  const messages = request.messages.map(toDatasetMessage);
  const toolUse = toolUseOf(request);
  const tools = toolUse.kind === 'none' ? [] : (request.tools ?? []).map(toToolDefinition);
  const text = renderChatPrompt(tokenizer, messages, tools);
  const prefill = toolUse.kind === 'required' || toolUse.kind === 'named' ? callPrefill(tokenizer, messages, tools, text, toolUse) : '';
  return { tokens: encodeRenderedChat(tokenizer, text + prefill), prefill, tools, toolUse };
}

function toolUseOf(request: ChatCompletionRequest): ToolUse {
  const choice = request.tool_choice;
  if (!request.tools?.length || choice === 'none') return { kind: 'none' };
  if (choice === 'required') return { kind: 'required' };
  if (typeof choice === 'object') return { kind: 'named', name: choice.function.name };
  return { kind: 'auto' };
}

/**
 * The text a template writes at the start of an assistant turn that calls `name` (or, for `required`, any tool):
 * found by rendering the conversation with such a turn and taking what it adds after the generation prompt, up to
 * the tool's name (`required`) or its arguments (named). Empty when the template does not render it as a prefix.
 */
function callPrefill(tokenizer: ModelTokenizer, messages: Message[], tools: ToolDefinition[], prompt: string, toolUse: ToolUse & { kind: 'required' | 'named' }): string {
  const name = toolUse.kind === 'named' ? toolUse.name : tools[0].function.name;
  const call = { id: 'call_prefill', type: 'function' as const, function: { name, arguments: JSON.stringify(ARGUMENTS_PROBE) } };
  let through: string;
  try {
    through = renderChat(tokenizer, [...messages, { role: 'assistant', content: null, tool_calls: [call] }], tools);
  } catch {
    return '';
  }
  const turn = through.startsWith(prompt) ? through.slice(prompt.length) : '';
  const end = toolUse.kind === 'named' ? turn.indexOf(`{${ARGUMENTS_PROBE_TEXT}`) : turn.indexOf(name);
  return end > 0 ? turn.slice(0, end) : '';
}

/** An API message in the form libs/datasets renders: text content, `developer` as `system`, names dropped. */
function toDatasetMessage(message: ChatMessage): Message {
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: chatContentText(message.content) };
    case 'user':
      return { role: 'user', content: chatContentText(message.content) };
    case 'assistant': {
      const content = message.content === null || message.content === undefined ? null : chatContentText(message.content);
      if (!message.tool_calls) return { role: 'assistant', content: content ?? '' };
      return {
        role: 'assistant',
        content,
        tool_calls: message.tool_calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } })),
      };
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.tool_call_id, content: chatContentText(message.content) };
  }
}

function toToolDefinition(tool: NonNullable<ChatCompletionRequest['tools']>[number]): ToolDefinition {
  const { name, description, parameters, strict } = tool.function;
  return {
    type: 'function',
    function: {
      name,
      ...(description !== undefined ? { description } : {}),
      ...(parameters !== undefined ? { parameters: parameters as Record<string, unknown> } : {}),
      ...(typeof strict === 'boolean' ? { strict } : {}),
    },
  };
}
