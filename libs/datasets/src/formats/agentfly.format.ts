import type { Message, ToolCall } from '../conversation/conversation.schema';
import { isPlainObject, type FieldIssue } from './field-issue';
import { argumentsText, finishConversation, syntheticCallId, toolsFrom } from './finish-conversation';
import type { FormatReader } from './format-reader';
import { flattenContent, looksLikeRoleMessages } from './openai-messages';

// The rendered call the agent's template put into the text; the structured tool_calls say the same.
const RENDERED_TOOL_CALL = /<tool_call>[\s\S]*?<\/tool_call>/g;

/**
 * AgentFly trajectories: OpenAI-shaped messages as an RL rollout records them (reference 004) — content as
 * text parts, call ids and `tool_call_id` often null, arguments as objects, `tool_name` on results, and the
 * call also rendered into the assistant text. Normalizing gives ids, pairs results with calls in order and
 * drops the rendered copy, so a chat template renders each call once.
 */
export const agentFlyFormat: FormatReader = {
  format: 'agentfly_trajectory',
  score(value) {
    if (!isPlainObject(value) || !looksLikeRoleMessages(value.messages)) return 0;
    const marked = value.messages.some(
      (m) =>
        'tool_name' in m ||
        (m.role === 'tool' && m.tool_call_id === null) ||
        (Array.isArray(m.tool_calls) && (m.tool_calls.length === 0 || m.tool_calls.some((c) => isPlainObject(c) && (c.id === null || isPlainObject((c.function as Record<string, unknown> | undefined)?.arguments))))),
    );
    return marked ? 3 : 1;
  },
  normalize(value) {
    const issues: FieldIssue[] = [];
    if (!isPlainObject(value) || !Array.isArray(value.messages)) return finishConversation(undefined, [{ path: 'messages', expected: 'an array of messages' }]);
    const messages: Message[] = [];
    let callCount = 0;
    let pending: ToolCall[] = [];
    value.messages.forEach((raw: unknown, i: number) => {
      const path = `messages[${i}]`;
      if (!isPlainObject(raw)) {
        issues.push({ path, expected: 'a message object' });
        return;
      }
      const content = flattenContent(raw.content);
      if (content !== null && content !== undefined && typeof content !== 'string') {
        issues.push({ path: `${path}.content`, expected: 'text or text parts' });
        return;
      }
      const text = typeof content === 'string' ? content : '';
      if (raw.role === 'system' || raw.role === 'user') {
        messages.push({ role: raw.role, content: text });
      } else if (raw.role === 'assistant') {
        const calls: ToolCall[] = [];
        const rawCalls = Array.isArray(raw.tool_calls) ? raw.tool_calls : [];
        rawCalls.forEach((call: unknown, j: number) => {
          const fn = isPlainObject(call) && isPlainObject(call.function) ? call.function : undefined;
          const args = fn ? argumentsText(fn.arguments) : undefined;
          if (!fn || typeof fn.name !== 'string' || args === undefined) {
            issues.push({ path: `${path}.tool_calls[${j}].function`, expected: '{name: string, arguments: object or JSON text}' });
            return;
          }
          const id = isPlainObject(call) && typeof call.id === 'string' && call.id ? call.id : syntheticCallId(++callCount);
          calls.push({ id, type: 'function', function: { name: fn.name, arguments: args } });
        });
        pending = [...calls];
        if (calls.length) {
          const rest = text.replace(RENDERED_TOOL_CALL, '').trim();
          messages.push({ role: 'assistant', content: rest || null, tool_calls: calls });
        } else {
          messages.push({ role: 'assistant', content: text });
        }
      } else if (raw.role === 'tool') {
        const byId = typeof raw.tool_call_id === 'string' ? pending.findIndex((c) => c.id === raw.tool_call_id) : -1;
        const byName = typeof raw.tool_name === 'string' ? pending.findIndex((c) => c.function.name === raw.tool_name) : -1;
        const index = byId >= 0 ? byId : byName >= 0 ? byName : pending.length ? 0 : -1;
        if (index < 0) {
          issues.push({ path: `${path}.tool_call_id`, expected: 'a result for a call of the preceding assistant message' });
          return;
        }
        const [call] = pending.splice(index, 1);
        messages.push({ role: 'tool', content: text, tool_call_id: call.id });
      } else {
        issues.push({ path: `${path}.role`, expected: 'system, user, assistant or tool', received: String(raw.role) });
      }
    });
    const tools = toolsFrom(value.tools, 'tools', issues);
    return finishConversation(tools ? { messages, tools } : { messages }, issues);
  },
};
