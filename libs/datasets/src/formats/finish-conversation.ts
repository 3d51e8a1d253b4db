import { conversationSchema } from '../conversation/conversation.schema';
import { validateConversation } from '../conversation/validate-conversation';
import { issuesFromZod, type FieldIssue } from './field-issue';
import { fail, type NormalizeResult } from './format-reader';

/**
 * The last step of every non-OpenAI reader: the converted conversation must pass the same schema and rules
 * as an OpenAI record. Issues found while converting come first since they point at the source's fields.
 */
export function finishConversation(candidate: unknown, conversionIssues: FieldIssue[]): NormalizeResult {
  if (conversionIssues.length) return fail(conversionIssues);
  const parsed = conversationSchema.safeParse(candidate);
  if (!parsed.success) return fail(issuesFromZod(parsed.error, candidate));
  const issues = validateConversation(parsed.data);
  if (issues.length) return fail(issues);
  return { ok: true, record: { kind: 'conversation', conversation: parsed.data } };
}

/** Tool ids for formats that have none: deterministic, so re-reading a file yields equal records. */
export function syntheticCallId(index: number): string {
  return `call_${index}`;
}

/** Arguments given as an object or as JSON text become JSON text of an object; anything else is an issue. */
export function argumentsText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? JSON.stringify(parsed) : undefined;
    } catch {
      return undefined;
    }
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return JSON.stringify(value);
  if (value === undefined || value === null) return '{}';
  return undefined;
}

/** Tools given inline or, as ShareGPT exports often do, as a JSON string; bare function objects are wrapped. */
export function toolsFrom(value: unknown, path: string, issues: FieldIssue[]): unknown[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let tools = value;
  if (typeof value === 'string') {
    try {
      tools = JSON.parse(value);
    } catch {
      issues.push({ path, expected: 'a JSON array of tool definitions' });
      return undefined;
    }
  }
  if (!Array.isArray(tools)) {
    issues.push({ path, expected: 'an array of tool definitions' });
    return undefined;
  }
  return tools.map((tool) =>
    typeof tool === 'object' && tool !== null && !('type' in tool) && 'name' in tool ? { type: 'function', function: tool } : tool,
  );
}
