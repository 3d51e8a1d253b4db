import type { FieldIssue } from '../formats/field-issue';
import { argumentsProblem } from './tool-arguments-validator';
import type { Conversation, ToolDefinition } from './conversation.schema';

/**
 * Rules a well-typed conversation can still break, each of which would silently teach the model something
 * wrong: a tool result with no call to answer, calls to tools it was not given, arguments its schema
 * rejects, or nothing to learn from at all.
 */
export interface ValidateConversationOptions {
  /** A preference pair's input ends before the assistant answers, so it need not contain one. */
  requireAssistant?: boolean;
}

export function validateConversation(conversation: Conversation, prefix = '', options: ValidateConversationOptions = {}): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const at = (path: string) => (prefix ? `${prefix}.${path}` : path);
  const tools = new Map<string, ToolDefinition>((conversation.tools ?? []).map((t) => [t.function.name, t]));
  const seenToolNames = new Set<string>();
  for (const [i, tool] of (conversation.tools ?? []).entries()) {
    if (seenToolNames.has(tool.function.name)) issues.push({ path: at(`tools[${i}].function.name`), expected: 'a tool name not defined twice', received: tool.function.name });
    seenToolNames.add(tool.function.name);
  }

  const seenCallIds = new Set<string>();
  let openCalls = new Set<string>();
  let assistantCount = 0;
  let trainable = 0;

  conversation.messages.forEach((message, i) => {
    const path = at(`messages[${i}]`);
    if (message.role !== 'tool' && openCalls.size > 0) {
      issues.push({ path, expected: `tool results for ${[...openCalls].join(', ')} before the next ${message.role} message` });
      openCalls = new Set();
    }
    if (message.role === 'assistant') {
      assistantCount++;
      if (message.weight !== 0) trainable++;
      const calls = message.tool_calls ?? [];
      if (message.content === null && calls.length === 0) issues.push({ path: `${path}.content`, expected: 'text, or tool_calls' });
      if (conversation.parallel_tool_calls === false && calls.length > 1) {
        issues.push({ path: `${path}.tool_calls`, expected: 'one tool call, since parallel_tool_calls is false', received: `${calls.length} calls` });
      }
      calls.forEach((call, j) => {
        const callPath = `${path}.tool_calls[${j}]`;
        if (seenCallIds.has(call.id)) issues.push({ path: `${callPath}.id`, expected: 'a tool call id unique in the conversation', received: call.id });
        seenCallIds.add(call.id);
        openCalls.add(call.id);
        if (conversation.tools) {
          const tool = tools.get(call.function.name);
          if (!tool) {
            issues.push({ path: `${callPath}.function.name`, expected: `one of the conversation's tools (${[...tools.keys()].join(', ') || 'none'})`, received: call.function.name });
          } else {
            const problem = argumentsProblem(tool, JSON.parse(call.function.arguments));
            if (problem) issues.push({ path: `${callPath}.function.arguments`, expected: problem, received: call.function.arguments.slice(0, 80) });
          }
        }
      });
    } else if (message.role === 'tool') {
      if (!openCalls.has(message.tool_call_id)) {
        issues.push({ path: `${path}.tool_call_id`, expected: 'the id of an unanswered tool call in the preceding assistant message', received: message.tool_call_id });
      }
      openCalls.delete(message.tool_call_id);
    }
  });

  if (options.requireAssistant === false) return issues;
  if (assistantCount === 0) issues.push({ path: at('messages'), expected: 'at least one assistant message' });
  else if (trainable === 0) issues.push({ path: at('messages'), expected: 'at least one assistant message with weight 1' });
  return issues;
}
