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
/** Where a ReAct step's action starts: a line `Action:` (a model tuned on ReAct data answers a chat that way). */
const REACT_ACTION = /(^|\n)Action:/;

/** How much of `text` comes before a ReAct `Action:` line, or before what could still become one. */
function beforeReactAction(text: string): number {
  const action = REACT_ACTION.exec(text);
  // The newline before `Action:` belongs to the call, not the content (readReactAction cuts the same way).
  if (action) return action.index;
  if ('Action:'.startsWith(text)) return 0;
  return beforeMarker(text, '\nAction:', -1);
}

/**
 * How much of `text` may be shown before a marker that could still start in it: up to the marker when it is there,
 * else all but a tail that could be the marker's beginning.
 */
function beforeMarker(text: string, marker: string, at: number): number {
  if (at >= 0) return at;
  for (let length = Math.min(marker.length - 1, text.length); length > 0; length--) if (text.endsWith(marker.slice(0, length))) return text.length - length;
  return text.length;
}

/**
 * How much of the text so far a stream may show as content while tools are offered: up to where a tool call could
 * be starting. In the `<tool_call>` format, text before the first block is content (the end that could be the
 * beginning of `<tool_call>` waits); in the JSON formats a call is the whole reply, so a reply is content only
 * once it starts like something else. A prompt that already opened the call (tool_choice) shows none.
 */
export function showableContentLength(text: string, format: ChatToolCallFormat, prompt: ChatPrompt): number {
  if (prompt.tools.length === 0) return text.length;
  if (prompt.prefill) return 0;
  // A ReAct action line is a tool call in every format (readAssistantOutput): what comes from it waits for the end.
  const upToAction = beforeReactAction(text);
  if (format === 'qwen') return Math.min(beforeMarker(text, TOOL_CALL_OPEN, text.indexOf(TOOL_CALL_OPEN)), upToAction);
  if (text.trim().length === 0 || JSON_CALL_START.test(text)) return 0;
  return upToAction;
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
  if (parsed.kind !== 'tool_calls' && REACT_ACTION.test(text)) return readReactAction(generated, prompt, refuse);
  if (parsed.kind === 'error') return refuse(describeParseError(parsed.error));
  if (parsed.kind === 'final_answer') return refuse('it answered without calling a tool');
  return checkedCalls(parallelToolCalls ? parsed.calls : parsed.calls.slice(0, 1), parsed.content, prompt, refuse);
}

type ParsedCall = { name: string; arguments: Record<string, unknown> };

/** Calls that name an offered tool (the named one, for a named tool_choice) with arguments its JSON Schema accepts. */
function checkedCalls(calls: readonly ParsedCall[], content: string | null, prompt: ChatPrompt, refuse: (why: string) => AssistantOutput): AssistantOutput {
  for (const call of calls) {
    const tool = prompt.tools.find((candidate) => candidate.function.name === call.name);
    if (!tool) return refuse(`it called ${call.name}, which is not one of the tools`);
    if (prompt.toolUse.kind === 'named' && call.name !== prompt.toolUse.name) return refuse(`it called ${call.name}, not ${prompt.toolUse.name}`);
    const problem = argumentsProblem(tool, call.arguments);
    if (problem) return refuse(`the arguments of ${call.name} do not match its parameters: expected ${problem}`);
  }
  return {
    kind: 'tool_calls',
    content,
    calls: calls.map((call) => ({ id: `call_${randomBytes(12).toString('hex')}`, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } })),
  };
}

/**
 * A ReAct step (`Thought: ...` / `Action: tool` / `Action Input: {...}`), read with the same parser the evaluator
 * reads ReAct agents with: a model tuned on ReAct data answers a chat with tools that way, and it is the call it
 * means. The text before the action (the Thought) is the message's content; the generation may run on past
 * `Observation:`, which is cut first (the completion endpoints stop there; a chat request does not ask to).
 */
function readReactAction(generated: string, prompt: ChatPrompt, refuse: (why: string) => AssistantOutput): AssistantOutput {
  const action = REACT_ACTION.exec(generated);
  const observation = generated.indexOf('\nObservation:');
  const step = observation >= 0 ? generated.slice(0, observation) : generated;
  const parsed = createParser('react').parse(step);
  if (parsed.kind !== 'tool_calls') return refuse(parsed.kind === 'error' ? describeParseError(parsed.error) : 'it answered without calling a tool');
  const content = action && action.index > 0 ? generated.slice(0, action.index) : null;
  return checkedCalls(parsed.calls, content, prompt, refuse);
}

