import { z } from 'zod';

/**
 * The internal conversation form every reader normalizes to and every writer starts from.
 * It is the OpenAI chat fine-tuning shape, made strict: content is always text (content parts are
 * joined by the readers), tool-call arguments are always JSON text of an object, and optional
 * fields are absent rather than null, so two equal conversations serialize to equal JSON.
 */

// OpenAI restricts function names to this alphabet; templates and ReAct parsers rely on it too.
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

export const toolNameSchema = z.string().regex(TOOL_NAME_PATTERN, 'a tool name of 1-64 letters, digits, _ or -');

/** JSON text that parses to an object: what OpenAI sends as `function.arguments`. */
export const toolArgumentsSchema = z.string().refine(
  (text) => {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    } catch {
      return false;
    }
  },
  { message: 'JSON text of an object' },
);

export const toolCallSchema = z.strictObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.strictObject({ name: toolNameSchema, arguments: toolArgumentsSchema }),
});

export const systemMessageSchema = z.strictObject({
  role: z.literal('system'),
  content: z.string(),
});

export const userMessageSchema = z.strictObject({
  role: z.literal('user'),
  content: z.string(),
});

export const assistantMessageSchema = z.strictObject({
  role: z.literal('assistant'),
  // Null only when the turn is nothing but tool calls, as in the OpenAI API.
  content: z.string().nullable(),
  tool_calls: z.array(toolCallSchema).min(1).optional(),
  // Free-text reasoning that precedes the answer or the action (a ReAct `Thought:`); OpenAI writers drop it.
  reasoning: z.string().optional(),
  // 0 keeps the turn as context without training on it (OpenAI's per-message weight).
  weight: z.union([z.literal(0), z.literal(1)], { error: '0 or 1' }).optional(),
});

export const toolMessageSchema = z.strictObject({
  role: z.literal('tool'),
  content: z.string(),
  tool_call_id: z.string().min(1),
});

export const messageSchema = z.discriminatedUnion('role', [
  systemMessageSchema,
  userMessageSchema,
  assistantMessageSchema,
  toolMessageSchema,
]);

/** JSON Schema is open-ended; only its outer shape is checked here, the rest when arguments are validated. */
export const jsonSchemaObjectSchema = z.record(z.string(), z.unknown());

export const toolDefinitionSchema = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: toolNameSchema,
    description: z.string().optional(),
    parameters: jsonSchemaObjectSchema.optional(),
    strict: z.boolean().optional(),
  }),
});

export const conversationSchema = z.strictObject({
  messages: z.array(messageSchema).min(1),
  tools: z.array(toolDefinitionSchema).optional(),
  parallel_tool_calls: z.boolean().optional(),
});

/** One preference output: OpenAI's format holds exactly one assistant message (its text and/or tool calls). */
const preferenceOutputSchema = z
  .array(assistantMessageSchema)
  .min(1, 'exactly one assistant message')
  .max(1, 'exactly one assistant message (one assistant turn per output; put several tool calls in its tool_calls)');

/** A DPO pair: one shared input, two candidate assistant continuations. */
export const preferencePairSchema = z.strictObject({
  input: conversationSchema,
  preferred_output: preferenceOutputSchema,
  non_preferred_output: preferenceOutputSchema,
});

/** Legacy completion-style sample, trained on `completion` only (reference 000's ReAct format). */
export const promptCompletionSchema = z.strictObject({
  prompt: z.string(),
  completion: z.string(),
});

export type ToolCall = z.infer<typeof toolCallSchema>;
export type SystemMessage = z.infer<typeof systemMessageSchema>;
export type UserMessage = z.infer<typeof userMessageSchema>;
export type AssistantMessage = z.infer<typeof assistantMessageSchema>;
export type ToolMessage = z.infer<typeof toolMessageSchema>;
export type Message = z.infer<typeof messageSchema>;
export type Role = Message['role'];
export type ToolDefinition = z.infer<typeof toolDefinitionSchema>;
export type Conversation = z.infer<typeof conversationSchema>;
export type PreferencePair = z.infer<typeof preferencePairSchema>;
export type PromptCompletion = z.infer<typeof promptCompletionSchema>;

/** The text of a conversation's last user message (the request an answer or episode responds to); '' when it has none. */
export function lastUserText(messages: readonly Message[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === 'user') return m.content;
  }
  return '';
}
