import { z } from 'zod';
import { jsonSchemaProblem } from './json-schema-check';

/**
 * OpenAI's `POST /v1/chat/completions` request, as Tuneforge serves it. Fields OpenAI has and Tuneforge does
 * not serve are refused by name (a 400 naming the field), never silently ignored: `logit_bias`, `tools` other
 * than functions, non-zero penalties, `response_format` other than text, audio and image parts.
 */

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const MAX_STOP_SEQUENCES = 4;

/** Message content: text, or text parts (joined in order); other part types are refused. */
export const chatTextContentSchema = z.union([
  z.string(),
  z.array(z.strictObject({ type: z.literal('text', { error: 'only text content parts are served' }), text: z.string() })).min(1),
]);
export type ChatTextContent = z.infer<typeof chatTextContentSchema>;

export const chatToolCallSchema = z.strictObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.strictObject({
    name: z.string().regex(TOOL_NAME, 'a tool name of 1-64 letters, digits, _ or -'),
    /** JSON text of an object, as OpenAI sends arguments. */
    arguments: z.string().refine(isJsonObjectText, 'JSON text of an object'),
  }),
});

const name = z.string().min(1).optional();

export const chatMessageSchema = z.discriminatedUnion('role', [
  // `developer` is what newer OpenAI models call the system message; templates know only `system`.
  z.strictObject({ role: z.enum(['system', 'developer']), content: chatTextContentSchema, name }),
  z.strictObject({ role: z.literal('user'), content: chatTextContentSchema, name }),
  z.strictObject({
    role: z.literal('assistant'),
    content: chatTextContentSchema.nullable().optional(),
    tool_calls: z.array(chatToolCallSchema).min(1).optional(),
    refusal: z.string().nullable().optional(),
    name,
  }),
  z.strictObject({ role: z.literal('tool'), content: chatTextContentSchema, tool_call_id: z.string().min(1) }),
]);
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatFunctionToolSchema = z.strictObject({
  type: z.literal('function', { error: 'only function tools are served' }),
  function: z.strictObject({
    name: z.string().regex(TOOL_NAME, 'a tool name of 1-64 letters, digits, _ or -'),
    description: z.string().optional(),
    parameters: z.unknown().optional(),
    strict: z.boolean().nullable().optional(),
  }),
});
export type ChatFunctionTool = z.infer<typeof chatFunctionToolSchema>;

export const chatToolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: z.string().min(1) }) }),
]);
export type ChatToolChoice = z.infer<typeof chatToolChoiceSchema>;

export const stopSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(MAX_STOP_SEQUENCES)]).nullable().optional();

export const streamOptionsSchema = z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional();

/** Sampling fields both endpoints share, with OpenAI's ranges. */
export const samplingFields = {
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  n: z.number().int().min(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  stop: stopSchema,
  stream: z.boolean().nullable().optional(),
  stream_options: streamOptionsSchema,
  max_tokens: z.number().int().min(1).nullable().optional(),
  // Accepted only at their neutral value: the engine has no penalties yet, and a request that asks for one must not be answered as if it had it.
  frequency_penalty: z.literal(0, { error: 'frequency penalties are not served yet; 0 or absent' }).nullable().optional(),
  presence_penalty: z.literal(0, { error: 'presence penalties are not served yet; 0 or absent' }).nullable().optional(),
  user: z.string().optional(),
};

export const chatCompletionRequestSchema = z
  .strictObject({
    ...samplingFields,
    messages: z.array(chatMessageSchema).min(1),
    max_completion_tokens: z.number().int().min(1).nullable().optional(),
    tools: z.array(chatFunctionToolSchema).optional(),
    tool_choice: chatToolChoiceSchema.optional(),
    parallel_tool_calls: z.boolean().optional(),
    logprobs: z.boolean().nullable().optional(),
    top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
    response_format: z.strictObject({ type: z.literal('text', { error: 'only text responses are served yet (json_object and json_schema are not)' }) }).optional(),
    store: z.boolean().nullable().optional(),
    metadata: z.record(z.string(), z.string()).nullable().optional(),
  })
  .superRefine((request, context) => {
    for (const [index, tool] of (request.tools ?? []).entries()) {
      const problem = tool.function.parameters === undefined ? undefined : jsonSchemaProblem(tool.function.parameters);
      if (problem) context.addIssue({ code: 'custom', path: ['tools', index, 'function', 'parameters'], message: `expected ${problem}` });
    }
    const names = (request.tools ?? []).map((tool) => tool.function.name);
    const repeated = names.findIndex((toolName, index) => names.indexOf(toolName) !== index);
    if (repeated >= 0) context.addIssue({ code: 'custom', path: ['tools', repeated, 'function', 'name'], message: `the tool ${names[repeated]} is defined twice` });
    const choice = request.tool_choice;
    if (typeof choice === 'object' && !names.includes(choice.function.name)) {
      context.addIssue({ code: 'custom', path: ['tool_choice', 'function', 'name'], message: `no tool named ${choice.function.name} in tools` });
    } else if (choice === 'required' && names.length === 0) {
      context.addIssue({ code: 'custom', path: ['tool_choice'], message: '"required" needs at least one tool in tools' });
    }
    if (request.top_logprobs && !request.logprobs) context.addIssue({ code: 'custom', path: ['top_logprobs'], message: 'top_logprobs needs logprobs: true' });
    const toolMessage = unansweredToolMessage(request.messages);
    if (toolMessage) context.addIssue({ code: 'custom', path: ['messages', toolMessage.index, 'tool_call_id'], message: toolMessage.message });
  });
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/**
 * A tool message must answer a call of the assistant message just before it (other tool messages may come
 * between), once: the first one that does not, with why.
 */
function unansweredToolMessage(messages: readonly ChatMessage[]): { index: number; message: string } | undefined {
  let open = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (message.role === 'assistant') open = new Set((message.tool_calls ?? []).map((call) => call.id));
    else if (message.role === 'tool') {
      if (!open.delete(message.tool_call_id)) {
        return { index, message: `a tool message must answer an unanswered tool call of the preceding assistant message; ${message.tool_call_id} is none` };
      }
    } else open = new Set();
  }
  return undefined;
}

/** The text of message content, parts joined as OpenAI joins them. */
export function chatContentText(content: ChatTextContent | null | undefined): string {
  if (content === null || content === undefined) return '';
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

function isJsonObjectText(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
