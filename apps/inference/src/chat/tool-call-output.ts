import { createParser, describeParseError, type ChatToolCallFormat } from '@tuneforge/agents';
import { argumentsProblem } from '@tuneforge/datasets';
import { randomBytes } from 'node:crypto';
import { InvalidToolCallError } from '../errors/inference-errors';
import type { ChatPrompt } from './chat-prompt';

/** OpenAI's `tool_calls` entry of an assistant message. */
export interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type AssistantOutput = { kind: 'text'; content: string } | { kind: 'tool_calls'; content: string | null; calls: OpenAiToolCall[] };

const TOOL_CALL_OPEN = '<tool_call>';
const JSON_CALL_START = /^\s*(\{|\[|```|<\|python_tag\|>)/;

/**
 * How much of the text so far a stream may show as content while tools are offered: up to where a tool call could
 * be starting. In the `<tool_call>` format, text before the first block is content (the end that could be the
 * beginning of `<tool_call>` waits); in the JSON formats a call is the whole reply, so a reply is content only
 * once it starts like something else. A prompt that already opened the call (tool_choice) shows none.
 */
export function showableContentLength(text: string, format: ChatToolCallFormat, prompt: ChatPrompt): number {
  if (prompt.tools.length === 0) return text.length;
  if (prompt.prefill) return 0;
  if (format === 'qwen') {
    const open = text.indexOf(TOOL_CALL_OPEN);
    if (open >= 0) return open;
    for (let length = Math.min(TOOL_CALL_OPEN.length - 1, text.length); length > 0; length--) {
      if (text.endsWith(TOOL_CALL_OPEN.slice(0, length))) return text.length - length;
    }
    return text.length;
  }
  if (text.trim().length === 0 || JSON_CALL_START.test(text)) return 0;
  return text.length;
}

/**
 * The assistant's answer read from the whole output with the parser of the template's tool-call format (the same
 * code the evaluator reads a tuned model's calls with). Calls must name an offered tool with arguments its JSON
 * Schema accepts. With tool_choice `auto` an output that is not such a call is text, as the model wrote it; with
 * `required` or a named tool it is an error: those choices promise a call, made likely by the prompt's prefill and
 * checked here.
 */
export function readAssistantOutput(generated: string, format: ChatToolCallFormat, prompt: ChatPrompt, parallelToolCalls: boolean): AssistantOutput {
  if (prompt.tools.length === 0) return { kind: 'text', content: generated };
  const text = prompt.prefill + generated;
  const parsed = createParser(format).parse(text);
  const forced = prompt.toolUse.kind === 'required' || prompt.toolUse.kind === 'named';
  const refuse = (why: string): AssistantOutput => {
    if (forced) throw new InvalidToolCallError(`tool_choice asked for a tool call, and the model's output held no valid one: ${why}`);
    return { kind: 'text', content: generated };
  };
  if (parsed.kind === 'error') return refuse(describeParseError(parsed.error));
  if (parsed.kind === 'final_answer') return refuse('it answered without calling a tool');
  const calls = parallelToolCalls ? parsed.calls : parsed.calls.slice(0, 1);
  for (const call of calls) {
    const tool = prompt.tools.find((candidate) => candidate.function.name === call.name);
    if (!tool) return refuse(`it called ${call.name}, which is not one of the tools`);
    if (prompt.toolUse.kind === 'named' && call.name !== prompt.toolUse.name) return refuse(`it called ${call.name}, not ${prompt.toolUse.name}`);
    const problem = argumentsProblem(tool, call.arguments);
    if (problem) return refuse(`the arguments of ${call.name} do not match its parameters: expected ${problem}`);
  }
  return {
    kind: 'tool_calls',
    content: parsed.content,
    calls: calls.map((call) => ({ id: `call_${randomBytes(12).toString('hex')}`, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } })),
  };
}

