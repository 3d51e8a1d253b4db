import type { Message, ToolCall } from '../conversation/conversation.schema';
import { isPlainObject, type FieldIssue } from './field-issue';
import { argumentsText, finishConversation, syntheticCallId, toolsFrom } from './finish-conversation';
import type { FormatReader } from './format-reader';

const USER_SENDERS = new Set(['user', 'human']);
const EXECUTOR_SENDERS = new Set(['ActionExecutor', 'executor', 'tool', 'environment']);

/** The memory list of a Lagent `state_dict()`: under `memory` or under `<agent name>.memory`. */
function memoryOf(value: Record<string, unknown>): { key: string; memory: unknown[] } | undefined {
  for (const [key, memory] of Object.entries(value)) {
    if ((key === 'memory' || key.endsWith('.memory')) && Array.isArray(memory)) return { key, memory };
  }
  return undefined;
}

function toolName(raw: string): string {
  // Lagent names tools by type ("code interpreter") or dotted API ("WebBrowser.search"); tool names allow neither.
  return raw.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

/**
 * Lagent memory dumps (reference 002): agent messages `{sender, content, formatted}`. A user message is a
 * user turn; a message from the action executor is a tool result; any other sender is the agent. When the
 * agent's output parser filled `formatted` with an action, the turn becomes a tool call: the action's
 * `{name, parameters}` when it is a dict, else the tool type called with `{"command": action}` as Lagent's
 * code-interpreter processor does, with `formatted.thought` as the text.
 */
export const lagentFormat: FormatReader = {
  format: 'lagent_memory',
  score(value) {
    if (!isPlainObject(value)) return 0;
    const found = memoryOf(value);
    return found && found.memory.some((m) => isPlainObject(m) && 'sender' in m) ? 3 : 0;
  },
  normalize(value) {
    const issues: FieldIssue[] = [];
    const found = isPlainObject(value) ? memoryOf(value) : undefined;
    if (!isPlainObject(value) || !found) return finishConversation(undefined, [{ path: 'memory', expected: 'a list of agent messages under memory or <agent>.memory' }]);
    const messages: Message[] = [];
    if (typeof value.system === 'string' && value.system) messages.push({ role: 'system', content: value.system });
    let callCount = 0;
    let pending: string[] = [];
    found.memory.forEach((raw: unknown, i: number) => {
      const path = `${found.key}[${i}]`;
      if (!isPlainObject(raw) || typeof raw.sender !== 'string') {
        issues.push({ path, expected: 'an agent message with a sender' });
        return;
      }
      const text = typeof raw.content === 'string' ? raw.content : raw.content === null || raw.content === undefined ? '' : JSON.stringify(raw.content);
      if (USER_SENDERS.has(raw.sender)) {
        messages.push({ role: 'user', content: text });
      } else if (EXECUTOR_SENDERS.has(raw.sender)) {
        const id = pending.shift();
        if (!id) {
          issues.push({ path: `${path}.sender`, expected: 'an executor message only after an agent message with an action' });
          return;
        }
        messages.push({ role: 'tool', content: text, tool_call_id: id });
      } else {
        const formatted = isPlainObject(raw.formatted) ? raw.formatted : undefined;
        const action = formatted?.action;
        if (formatted && action !== undefined && action !== null && action !== '') {
          const call = callFrom(formatted, action);
          if (!call) {
            issues.push({ path: `${path}.formatted.action`, expected: 'code text, or {name, parameters}' });
            return;
          }
          const id = syntheticCallId(++callCount);
          pending = [id];
          const toolCall: ToolCall = { id, type: 'function', function: call };
          const thought = typeof formatted.thought === 'string' ? formatted.thought : '';
          messages.push({ role: 'assistant', content: thought || null, tool_calls: [toolCall] });
        } else {
          messages.push({ role: 'assistant', content: text });
        }
      }
    });
    const tools = toolsFrom(value.tools, 'tools', issues);
    return finishConversation(tools ? { messages, tools } : { messages }, issues);
  },
};

function callFrom(formatted: Record<string, unknown>, action: unknown): { name: string; arguments: string } | undefined {
  if (isPlainObject(action) && typeof action.name === 'string') {
    const args = argumentsText(action.parameters);
    return args === undefined ? undefined : { name: toolName(action.name), arguments: args };
  }
  if (typeof action === 'string') {
    const type = typeof formatted.tool_type === 'string' && formatted.tool_type ? formatted.tool_type : 'tool';
    return { name: toolName(type), arguments: JSON.stringify({ command: action }) };
  }
  return undefined;
}
