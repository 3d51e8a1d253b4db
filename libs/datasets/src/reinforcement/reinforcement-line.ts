import { conversationSchema, type Conversation } from '../conversation/conversation.schema';
import { validateConversation } from '../conversation/validate-conversation';
import { issuesFromZod, isPlainObject, type FieldIssue } from '../formats/field-issue';
import { flattenMessages } from '../formats/openai-messages';

/** One reinforcement line: the prompt the policy continues, and the whole line for the grader's `item` namespace. */
export interface ReinforcementLine {
  prompt: Conversation;
  /** Every field of the line as written, `messages` and `tools` included (OpenAI passes extra fields to the grader). */
  item: Record<string, unknown>;
}

export type ReinforcementLineResult = { ok: true; line: ReinforcementLine } | { ok: false; issues: FieldIssue[] };

/** The prompt fields of a line; every other field is the grader's (`reference_answer`, `expected_call`, ...). */
const PROMPT_FIELDS = ['messages', 'tools', 'parallel_tool_calls'] as const;

/**
 * OpenAI's reinforcement fine-tuning line: `messages` (with optional `tools`, `parallel_tool_calls`) whose last
 * message is a user message — the model answers it during rollouts — plus any other fields, kept for the grader.
 * The messages follow the chat rules (tool results answer calls, calls name given tools with arguments their schema
 * takes); assistant turns may appear earlier in the conversation, but none is required.
 */
export function readReinforcementLine(value: unknown): ReinforcementLineResult {
  if (!isPlainObject(value)) return { ok: false, issues: [{ path: '', expected: 'a JSON object with messages', received: Array.isArray(value) ? 'an array' : typeof value }] };
  const promptInput: Record<string, unknown> = { messages: flattenMessages(value.messages) };
  for (const field of PROMPT_FIELDS.slice(1)) if (value[field] !== undefined) promptInput[field] = value[field];
  const parsed = conversationSchema.safeParse(promptInput);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error, promptInput) };
  const issues = validateConversation(parsed.data, '', { requireAssistant: false });
  const messages = parsed.data.messages;
  const last = messages[messages.length - 1];
  if (last.role !== 'user') issues.push({ path: `messages[${messages.length - 1}].role`, expected: "'user': the last message of a reinforcement line is the user's turn the model answers", received: last.role });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, line: { prompt: parsed.data, item: value } };
}
