import type { Message, ToolCall } from '../conversation/conversation.schema';
import { isPlainObject, type FieldIssue } from './field-issue';
import { argumentsText, finishConversation, syntheticCallId, toolsFrom } from './finish-conversation';
import type { FormatReader } from './format-reader';

const ROLE_BY_SPEAKER: Record<string, 'system' | 'user' | 'assistant' | 'function_call' | 'observation'> = {
  system: 'system',
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  function_call: 'function_call',
  observation: 'observation',
  tool: 'observation',
  function: 'observation',
};

/**
 * ShareGPT: `{conversations: [{from, value}], system?, tools?}`. Tool use follows the LLaMA-Factory
 * convention: a `function_call` turn holds `{name, arguments}` (or a list of them for parallel calls)
 * and the `observation` turns after it hold the results, in call order.
 */
export const shareGPTFormat: FormatReader = {
  format: 'sharegpt',
  score(value) {
    return isPlainObject(value) && Array.isArray(value.conversations) ? 3 : 0;
  },
  normalize(value) {
    const issues: FieldIssue[] = [];
    if (!isPlainObject(value) || !Array.isArray(value.conversations)) {
      return finishConversation(undefined, [{ path: 'conversations', expected: 'an array of {from, value} turns' }]);
    }
    const messages: Message[] = [];
    if (typeof value.system === 'string' && value.system) messages.push({ role: 'system', content: value.system });
    let callCount = 0;
    let pending: string[] = [];
    value.conversations.forEach((turn: unknown, i: number) => {
      const path = `conversations[${i}]`;
      if (!isPlainObject(turn) || typeof turn.from !== 'string' || typeof turn.value !== 'string') {
        issues.push({ path, expected: 'a turn {from: string, value: string}' });
        return;
      }
      const role = ROLE_BY_SPEAKER[turn.from];
      if (!role) {
        issues.push({ path: `${path}.from`, expected: `one of ${Object.keys(ROLE_BY_SPEAKER).join(', ')}`, received: turn.from });
        return;
      }
      if (role === 'function_call') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(turn.value);
        } catch {
          issues.push({ path: `${path}.value`, expected: 'JSON {"name", "arguments"} of the call' });
          return;
        }
        const calls: ToolCall[] = [];
        for (const [j, raw] of (Array.isArray(parsed) ? parsed : [parsed]).entries()) {
          const args = isPlainObject(raw) ? argumentsText(raw.arguments) : undefined;
          if (!isPlainObject(raw) || typeof raw.name !== 'string' || args === undefined) {
            issues.push({ path: `${path}.value${Array.isArray(parsed) ? `[${j}]` : ''}`, expected: 'a call {"name": string, "arguments": object}' });
            continue;
          }
          calls.push({ id: syntheticCallId(++callCount), type: 'function', function: { name: raw.name, arguments: args } });
        }
        pending = calls.map((c) => c.id);
        if (calls.length) messages.push({ role: 'assistant', content: null, tool_calls: calls });
      } else if (role === 'observation') {
        const id = pending.shift();
        if (!id) {
          issues.push({ path, expected: 'an observation only after a function_call turn' });
          return;
        }
        messages.push({ role: 'tool', content: turn.value, tool_call_id: id });
      } else {
        messages.push({ role, content: turn.value });
      }
    });
    const tools = toolsFrom(value.tools, 'tools', issues);
    return finishConversation(tools ? { messages, tools } : { messages }, issues);
  },
};
