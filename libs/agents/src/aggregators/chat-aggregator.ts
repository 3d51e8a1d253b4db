import type { Message } from '@tuneforge/datasets';
import { type AgentMessage, TOOL_SENDER } from '../messages/agent-message';

export interface ChatAggregatorOptions {
  /** System prompt placed first. */
  system?: string;
  /** Example messages (OpenAI format) placed after the system prompt and before the session's messages. */
  fewShot?: readonly Message[];
}

/**
 * Turns a session's memory into OpenAI chat messages (the internal conversation form of libs/datasets,
 * which chat templates render and training reads): the agent's parsed tool calls become an assistant
 * message with `tool_calls` (arguments as JSON text, the ReAct thought as `reasoning`), observations become
 * `tool` messages, runner feedback (ENVIRONMENT_SENDER) about unreadable output becomes a user message after the raw output.
 */
export class ChatAggregator {
  constructor(private readonly options: ChatAggregatorOptions = {}) {}

  aggregate(memory: readonly AgentMessage[], agentName: string): Message[] {
    const out: Message[] = [];
    if (this.options.system !== undefined) out.push({ role: 'system', content: this.options.system });
    const leadingSystem = memory.findIndex((m) => m.sender !== 'system');
    const systemCount = leadingSystem < 0 ? memory.length : leadingSystem;
    for (const m of memory.slice(0, systemCount)) out.push({ role: 'system', content: m.content });
    out.push(...(this.options.fewShot ?? []).map((m) => structuredClone(m)));
    for (const m of memory.slice(systemCount)) out.push(toChatMessage(m, agentName));
    return out;
  }
}

export function toChatMessage(message: AgentMessage, agentName: string): Message {
  if (message.sender === 'system') return { role: 'system', content: message.content };
  if (message.sender === TOOL_SENDER) return { role: 'tool', content: message.content, tool_call_id: message.toolCallId ?? '' };
  // The user and the runner's feedback (ENVIRONMENT_SENDER) both speak to the model as the user.
  if (message.sender !== agentName) return { role: 'user', content: message.content };
  const parsed = message.parsed;
  const reasoning = parsed && parsed.kind !== 'error' && parsed.thought !== undefined ? { reasoning: parsed.thought } : {};
  if (parsed?.kind === 'tool_calls') {
    const ids = message.toolCallIds ?? [];
    return {
      role: 'assistant',
      content: parsed.content,
      ...reasoning,
      tool_calls: parsed.calls.map((call, i) => ({
        id: ids[i] ?? `call_${i + 1}`,
        type: 'function' as const,
        function: { name: call.name, arguments: JSON.stringify(call.arguments) },
      })),
    };
  }
  if (parsed?.kind === 'final_answer') return { role: 'assistant', content: parsed.answer, ...reasoning };
  return { role: 'assistant', content: message.content };
}
