import { Template } from '@huggingface/jinja';
import type { Message, ToolDefinition } from '../conversation/conversation.schema';

/**
 * The one documented tool format for chat templates that have none (SmolLM2-135M-Instruct's, and many small
 * instruct models'): Hermes / Qwen2.5 style. The tool list goes into the system message inside `<tools>`, the
 * assistant calls as `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>` lines, and tool results
 * come back in a user turn as `<tool_response>` blocks. Training and serving render through `renderChat`,
 * which applies this whenever the template ignores the tools it is given, so a model tuned on tool calls
 * answers in the format the server parses (libs/agents' `QwenToolCallParser`).
 */
export const DEFAULT_TOOL_FORMAT = 'hermes';

const TOOLS_PREAMBLE =
  '# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' + 'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n';
const TOOLS_CLOSING =
  '\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
  '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>';

// Jinja's own `tojson`, so JSON here is spelled exactly as templates that support tools spell it (`{"a": 1}`).
const toJson = new Template('{{ value | tojson }}');
const jinjaJson = (value: unknown): string => toJson.render({ value });

/** The system-message text that offers `tools` in the default format. */
export function defaultToolsBlock(tools: readonly ToolDefinition[]): string {
  return TOOLS_PREAMBLE + tools.map((tool) => jinjaJson(tool)).join('\n') + TOOLS_CLOSING;
}

/** One call as the default format writes it; what a model trained on it writes back. */
export function defaultToolCallText(name: string, args: unknown): string {
  return `<tool_call>\n${jinjaJson({ name, arguments: args })}\n</tool_call>`;
}

/**
 * The messages rewritten into the default format, for a template that knows nothing of tools: the tools block
 * joins the system message (or becomes one), assistant calls become text after the assistant's content, and each
 * run of tool messages becomes one user message of `<tool_response>` blocks.
 */
export function withDefaultToolFormat(messages: readonly Message[], tools: readonly ToolDefinition[] | undefined): Message[] {
  const out: Message[] = [];
  if (tools && tools.length > 0) {
    const block = defaultToolsBlock(tools);
    const first = messages[0];
    if (first?.role === 'system') out.push({ role: 'system', content: first.content ? `${first.content}\n\n${block}` : block });
    else out.push({ role: 'system', content: block });
  }
  const rest = tools && tools.length > 0 && messages[0]?.role === 'system' ? messages.slice(1) : messages;
  for (const message of rest) {
    if (message.role === 'assistant' && message.tool_calls) {
      const calls = message.tool_calls.map((call) => defaultToolCallText(call.function.name, JSON.parse(call.function.arguments)));
      const text = [message.content ?? '', ...calls].filter((part) => part.length > 0).join('\n');
      out.push({ role: 'assistant', content: text, ...(message.reasoning !== undefined ? { reasoning: message.reasoning } : {}), ...(message.weight !== undefined ? { weight: message.weight } : {}) });
    } else if (message.role === 'tool') {
      const response = `<tool_response>\n${message.content}\n</tool_response>`;
      const previous = out.at(-1);
      // Consecutive results answer one turn's calls: one user turn, as Qwen2.5's template renders them.
      if (previous?.role === 'user' && previous.content.startsWith('<tool_response>')) previous.content += `\n${response}`;
      else out.push({ role: 'user', content: response });
    } else {
      out.push({ ...message });
    }
  }
  return out;
}

const PROBE_TOOL_NAME = 'tuneforge_probe_tool_7f3a';
const rendersToolsByTemplate = new Map<string, boolean>();

/**
 * Whether a chat template renders the tools it is given: rendered once per template with a probe tool, whose
 * name must then appear in the text. A template that fails on tools counts as one without tool support.
 */
export function templateRendersTools(templateSource: string, render: (template: Template, tools: ToolDefinition[]) => string): boolean {
  let known = rendersToolsByTemplate.get(templateSource);
  if (known === undefined) {
    const probe: ToolDefinition = { type: 'function', function: { name: PROBE_TOOL_NAME, parameters: { type: 'object', properties: {} } } };
    try {
      known = render(new Template(templateSource), [probe]).includes(PROBE_TOOL_NAME);
    } catch {
      known = false;
    }
    rendersToolsByTemplate.set(templateSource, known);
  }
  return known;
}
