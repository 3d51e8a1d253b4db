import { createInterface } from 'node:readline';
import { APIUserAbortError } from 'openai';
import type OpenAI from 'openai';
import { EXIT } from '../exit-codes';
import type { ChatRequest } from '../gateway-client';
import { readToolsFile } from '../job-request';
import type { CommandContext, CommandResult } from './command-context';

export interface ChatOptions {
  /** A JSON file of OpenAI function tools (an array, or `{ "tools": [...] }`), offered on every turn. */
  tools?: string;
  /** The system message the conversation starts with. */
  system?: string;
  temperature?: number;
  maxTokens?: number;
}

type Message = OpenAI.Chat.ChatCompletionMessageParam;
type ToolCall = OpenAI.Chat.ChatCompletionMessageFunctionToolCall;

/** What the user types to end the chat (as does end of input: Ctrl-D, or the end of a piped file). */
export const EXIT_COMMAND = '/exit';

/**
 * `tuneforge chat <model>`: a conversation with a model through the gateway's streaming chat completions.
 * Each line read is one user turn; the reply is written to stdout as its tokens arrive, and the conversation
 * (every turn, the model's replies and tool calls included) is sent again with the next turn. A tool call the
 * model makes is printed as `tool call: name(arguments)`; the next line is then that call's result (a `tool`
 * message, one line per call, in order), after which the model answers again. Ends at end of input or `/exit`
 * (0); an API error ends it with 4, an unreachable gateway with 5.
 *
 * On a terminal it prompts on stderr (`> `, or `<tool> result> ` when a call waits for its result), and Ctrl-C
 * stops the reply being streamed (what was shown stays in the conversation) or, at the prompt, ends the chat.
 * Otherwise (stdin a pipe or file) it reads the same way with no prompts, so a script's lines are its turns.
 */
export async function chatCommand(ctx: CommandContext, model: string, options: ChatOptions): CommandResult {
  const tools = options.tools !== undefined ? (readToolsFile(options.tools) as OpenAI.Chat.ChatCompletionFunctionTool[]) : undefined;
  const { io } = ctx;
  const interactive = io.input.isTTY === true;
  const messages: Message[] = options.system !== undefined ? [{ role: 'system', content: options.system }] : [];
  const lines = createInterface({ input: io.input, output: interactive ? io.progressStream : undefined, terminal: interactive, crlfDelay: Infinity });
  let streaming: AbortController | undefined;
  lines.on('SIGINT', () => {
    if (streaming) streaming.abort();
    else lines.close();
  });
  if (interactive) io.err(`chatting with ${model}${tools ? ` (tools: ${tools.map((tool) => tool.function.name).join(', ')})` : ''}; ${EXIT_COMMAND} or Ctrl-D ends it`);

  /** Calls of the last reply still waiting for their result, oldest first. */
  let pending: ToolCall[] = [];
  const prompt = () => {
    if (!interactive) return;
    lines.setPrompt(pending.length > 0 ? `${pending[0].function.name} result> ` : '> ');
    lines.prompt();
  };
  try {
    prompt();
    for await (const line of lines) {
      if (line.trim() === EXIT_COMMAND) break;
      if (pending.length > 0) {
        messages.push({ role: 'tool', tool_call_id: pending.shift()!.id, content: line });
        if (pending.length > 0) {
          prompt();
          continue;
        }
      } else {
        if (line.trim() === '') {
          prompt();
          continue;
        }
        messages.push({ role: 'user', content: line });
      }
      streaming = new AbortController();
      const request: ChatRequest = { model, messages: [...messages] };
      if (tools) request.tools = tools;
      if (options.temperature !== undefined) request.temperature = options.temperature;
      if (options.maxTokens !== undefined) request.max_tokens = options.maxTokens;
      const reply = await streamReply(ctx, request, streaming.signal);
      streaming = undefined;
      messages.push(reply.message);
      pending = [...reply.toolCalls];
      if (pending.length > 0 && !interactive) io.err(`the next ${pending.length === 1 ? 'line is the result' : `${pending.length} lines are the results`} of ${pending.map((call) => call.function.name).join(', ')}`);
      prompt();
    }
  } finally {
    streaming?.abort();
    lines.close();
  }
  return EXIT.ok;
}

interface Reply {
  message: OpenAI.Chat.ChatCompletionAssistantMessageParam;
  toolCalls: ToolCall[];
}

/**
 * Streams one reply: its text written as it arrives, then its tool calls (`tool call: name(args)`, assembled
 * from their deltas), then how it ended when that was not the model's own stop. Stopped by `signal`: what
 * arrived so far is the reply.
 */
async function streamReply(ctx: CommandContext, request: ChatRequest, signal: AbortSignal): Promise<Reply> {
  const { io } = ctx;
  let text = '';
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  let finish: string | null = null;
  let interrupted = false;
  try {
    const chunks = await ctx.client.streamChat(request, signal);
    for await (const chunk of chunks) {
      const choice = chunk.choices.find((candidate) => candidate.index === 0);
      if (!choice) continue;
      if (choice.delta.content) {
        text += choice.delta.content;
        io.write(choice.delta.content);
      }
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { id: '', name: '', arguments: '' });
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name += delta.function.name;
        if (delta.function?.arguments) call.arguments += delta.function.arguments;
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  } catch (error) {
    if (!(error instanceof APIUserAbortError)) throw error;
    interrupted = true;
  }
  // Calls are shown once whole: an interrupted reply keeps only the text that was shown.
  const toolCalls: ToolCall[] = (interrupted ? [] : calls)
    .filter((call) => call !== undefined)
    .map((call, index) => ({ id: call.id || `call_${index}`, type: 'function', function: { name: call.name, arguments: call.arguments } }));
  if (text !== '' || toolCalls.length === 0) io.write('\n');
  for (const call of toolCalls) io.out(`tool call: ${call.function.name}(${call.function.arguments})`);
  if (interrupted) io.err('(interrupted)');
  else if (finish === 'length') io.err('(the reply reached the token limit)');
  else if (finish === 'content_filter') io.err('(the reply was stopped by a content filter)');
  const message: OpenAI.Chat.ChatCompletionAssistantMessageParam = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return { message, toolCalls };
}
