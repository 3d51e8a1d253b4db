/** A tool call the model made, as the chat message carries it. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** An assistant reply as it streams in. */
export interface AssistantReply {
  content: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
}

export const EMPTY_REPLY: AssistantReply = { content: '', toolCalls: [], finishReason: null };

interface ChunkDelta {
  content?: string | null;
  tool_calls?: Array<{ index: number; id?: string; type?: 'function'; function?: { name?: string; arguments?: string } }>;
}

/**
 * One `chat.completion.chunk` folded into the reply so far: content appended, each tool call (by its index) built up
 * from its name and argument fragments, the finish reason kept. Only the first choice is read (the playground asks for one).
 */
export function foldChunk(reply: AssistantReply, chunk: Record<string, unknown>): AssistantReply {
  const choice = (chunk.choices as Array<{ index?: number; delta?: ChunkDelta; finish_reason?: string | null }> | undefined)?.find((c) => (c.index ?? 0) === 0);
  if (!choice) return reply;
  const delta = choice.delta ?? {};
  const toolCalls = reply.toolCalls.map((call) => ({ ...call, function: { ...call.function } }));
  for (const part of delta.tool_calls ?? []) {
    const call = (toolCalls[part.index] ??= { id: part.id ?? `call_${part.index}`, type: 'function', function: { name: '', arguments: '' } });
    if (part.id) call.id = part.id;
    if (part.function?.name) call.function.name += part.function.name;
    if (part.function?.arguments) call.function.arguments += part.function.arguments;
  }
  return {
    content: reply.content + (delta.content ?? ''),
    toolCalls,
    finishReason: choice.finish_reason ?? reply.finishReason,
  };
}

/** The tools field as typed: empty, or a JSON array of OpenAI function tools. */
export function parseTools(text: string): { ok: true; tools: unknown[] | undefined } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, tools: undefined };
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return { ok: false, message: 'Tools must be a JSON array of {"type": "function", "function": {...}} objects.' };
    const bad = parsed.findIndex((tool) => typeof tool !== 'object' || tool === null || (tool as { type?: unknown }).type !== 'function' || typeof (tool as { function?: { name?: unknown } }).function?.name !== 'string');
    if (bad >= 0) return { ok: false, message: `Tool ${bad + 1} is not {"type": "function", "function": {"name": …, "parameters": …}}.` };
    return { ok: true, tools: parsed };
  } catch (error) {
    return { ok: false, message: `Not valid JSON: ${(error as Error).message}` };
  }
}
