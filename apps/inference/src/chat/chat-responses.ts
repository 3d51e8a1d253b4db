import type { ChatTokenLogprob } from '@tuneforge/serving';
import type { AssistantOutput, OpenAiToolCall } from './tool-call-output';

export type ChatFinishReason = 'stop' | 'length' | 'tool_calls';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** OpenAI's `chat.completion` object. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: OpenAiToolCall[] };
    logprobs: { content: ChatTokenLogprob[]; refusal: null } | null;
    finish_reason: ChatFinishReason;
  }>;
  usage: Usage;
}

/** What a chunk's choice adds: the role first, then text, then tool calls. */
export interface ChatDelta {
  role?: 'assistant';
  content?: string;
  tool_calls?: Array<OpenAiToolCall & { index: number }>;
}

/** OpenAI's `chat.completion.chunk` object. */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{ index: number; delta: ChatDelta; logprobs: { content: ChatTokenLogprob[]; refusal: null } | null; finish_reason: ChatFinishReason | null }>;
  /** With stream_options.include_usage: null on every chunk but the last, which has no choices. */
  usage?: Usage | null;
}

export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** The finish reason a client sees: a call read from the output wins over how the sequence ended. */
export function chatFinishReason(output: AssistantOutput, ended: 'stop' | 'length'): ChatFinishReason {
  return output.kind === 'tool_calls' ? 'tool_calls' : ended;
}

export function assistantMessage(output: AssistantOutput): ChatCompletion['choices'][number]['message'] {
  if (output.kind === 'text') return { role: 'assistant', content: output.content, refusal: null };
  return { role: 'assistant', content: output.content, refusal: null, tool_calls: output.calls };
}

/**
 * Builds the chunks of one streamed chat completion: every chunk carries the completion's id, creation time and
 * model; with `include_usage` every chunk has `usage: null` and a last chunk without choices carries the usage.
 */
export class ChatChunks {
  constructor(
    private readonly id: string,
    private readonly created: number,
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  /** The first chunk of a choice: its role, no text yet (as OpenAI streams it). */
  start(index: number): ChatCompletionChunk {
    return this.chunk(index, { role: 'assistant', content: '' }, null, null);
  }

  content(index: number, text: string, logprobs: ChatTokenLogprob[] | null): ChatCompletionChunk {
    return this.chunk(index, { content: text }, logprobs, null);
  }

  /** Each call whole in one delta (name and arguments), at the index the client accumulates it under. */
  toolCalls(index: number, calls: readonly OpenAiToolCall[]): ChatCompletionChunk {
    return this.chunk(index, { tool_calls: calls.map((call, callIndex) => ({ index: callIndex, ...call })) }, null, null);
  }

  finish(index: number, reason: ChatFinishReason): ChatCompletionChunk {
    return this.chunk(index, {}, null, reason);
  }

  usage(usage: Usage): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage };
  }

  private chunk(index: number, delta: ChatDelta, logprobs: ChatTokenLogprob[] | null, finishReason: ChatFinishReason | null): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index, delta, logprobs: logprobs ? { content: logprobs, refusal: null } : null, finish_reason: finishReason }],
      ...(this.includeUsage ? { usage: null } : {}),
    };
  }
}
