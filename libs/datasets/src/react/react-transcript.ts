import type { Conversation, Message } from '../conversation/conversation.schema';
import type { FieldIssue } from '../formats/field-issue';
import { NO_TOOL_THOUGHT, REACT_STOP_SEQUENCE, TOOL_THOUGHT } from './agent-tokens';

type StepMarker = 'New Input' | 'Question' | 'Thought' | 'Action' | 'Action Input' | 'Observation' | 'Final Answer';

// "Action Input" is listed before "Action" so the longer marker wins; markers count only at a line start.
const MARKER = /(^|\n)(New Input|Question|Thought|Action Input|Action|Observation|Final Answer):/g;

interface Step {
  marker: StepMarker;
  value: string;
}

function splitSteps(text: string): { preamble: string; steps: Step[] } {
  const steps: Step[] = [];
  let preamble = '';
  let last: { marker: StepMarker; start: number } | undefined;
  for (const match of text.matchAll(MARKER)) {
    const at = match.index ?? 0;
    if (last) steps.push({ marker: last.marker, value: stepValue(text.slice(last.start, at)) });
    else preamble = text.slice(0, at).trim();
    last = { marker: match[2] as StepMarker, start: at + match[0].length };
  }
  if (last) steps.push({ marker: last.marker, value: stepValue(text.slice(last.start)) });
  else preamble = text.trim();
  return { preamble, steps };
}

function stepValue(raw: string): string {
  return (raw.startsWith(' ') ? raw.slice(1) : raw).trimEnd();
}

/** Action Input is free text in ReAct; JSON objects are kept as arguments, anything else travels as `{input}`. */
export function actionInputToArguments(input: string): string {
  try {
    const value: unknown = JSON.parse(input);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return JSON.stringify(value);
  } catch {
    // not JSON: free text
  }
  return JSON.stringify({ input });
}

export function argumentsToActionInput(args: string): string {
  const value = JSON.parse(args) as Record<string, unknown>;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'input' && typeof value.input === 'string' ? value.input : args;
}

/**
 * Parses a LangChain ReAct transcript into a conversation: `New Input`/`Question` is a user turn, each
 * `Thought` + `Action` + `Action Input` an assistant tool call (the thought kept as reasoning), each
 * `Observation` the tool's result, and `Thought` + `Final Answer` the answer. Text before the first marker
 * (the agent's prompt prefix) becomes the system message.
 */
export function parseReactTranscript(text: string, path = 'transcript'): { messages: Message[]; issues: FieldIssue[] } {
  const { preamble, steps } = splitSteps(text);
  const messages: Message[] = [];
  const issues: FieldIssue[] = [];
  if (preamble) messages.push({ role: 'system', content: preamble });
  let thought: string | undefined;
  let action: string | undefined;
  let openCall: string | undefined;
  let calls = 0;
  const problem = (i: number, expected: string) => issues.push({ path: `${path}.steps[${i}]`, expected, received: steps[i].marker });

  steps.forEach((step, i) => {
    switch (step.marker) {
      case 'New Input':
      case 'Question':
        if (thought !== undefined || action !== undefined) problem(i, 'Action or Final Answer to finish the previous Thought');
        thought = action = undefined;
        messages.push({ role: 'user', content: step.value });
        break;
      case 'Thought':
        if (thought !== undefined) problem(i, 'Action or Final Answer after a Thought');
        thought = step.value;
        break;
      case 'Action':
        if (action !== undefined) problem(i, 'Action Input after an Action');
        action = step.value;
        break;
      case 'Action Input': {
        if (action === undefined) {
          problem(i, 'an Action before its Action Input');
          break;
        }
        openCall = `call_${++calls}`;
        messages.push({
          role: 'assistant',
          content: null,
          ...(thought !== undefined ? { reasoning: thought } : {}),
          tool_calls: [{ id: openCall, type: 'function', function: { name: action, arguments: actionInputToArguments(step.value) } }],
        });
        thought = action = undefined;
        break;
      }
      case 'Observation':
        if (!openCall) {
          problem(i, 'an Observation only after Action and Action Input');
          break;
        }
        messages.push({ role: 'tool', content: step.value, tool_call_id: openCall });
        openCall = undefined;
        break;
      case 'Final Answer':
        if (action !== undefined) problem(i, 'Action Input after an Action');
        messages.push({ role: 'assistant', content: step.value, ...(thought !== undefined ? { reasoning: thought } : {}) });
        thought = action = undefined;
        break;
    }
  });
  if (thought !== undefined || action !== undefined) issues.push({ path, expected: 'the transcript to end with a Final Answer or an Observation' });
  return { messages, issues };
}

export interface ReactRenderOptions {
  /** List the conversation's tools in the prompt, so the model learns to pick among the tools it is shown. */
  describeTools?: boolean;
}

export interface ReactPromptCompletion {
  prompt: string;
  completion: string;
  /** True when the completion calls a tool (and so ends at the stop sequence). */
  usesTool: boolean;
}

function toolList(conversation: Conversation): string {
  const lines = (conversation.tools ?? []).map((t) => {
    const params = t.function.parameters ? ` Arguments: ${JSON.stringify(t.function.parameters)}` : '';
    return `> ${t.function.name}: ${t.function.description ?? ''}${params}`;
  });
  return lines.length ? `Tools available:\n${lines.join('\n')}` : '';
}

/**
 * Renders a conversation as ReAct prompt/completion samples, one per trained assistant step (a parallel
 * call becomes consecutive steps, since ReAct runs one action at a time). Each tool step's completion ends
 * exactly at the stop sequence and the observation opens the next prompt, as reference 000 prescribes.
 * Assistant text that accompanies tool calls has no place in ReAct and is not rendered.
 */
export function conversationToReact(conversation: Conversation, options: ReactRenderOptions = {}): ReactPromptCompletion[] {
  const samples: ReactPromptCompletion[] = [];
  const results = new Map<string, string>();
  for (const m of conversation.messages) if (m.role === 'tool') results.set(m.tool_call_id, m.content);
  let text = '';
  const system = conversation.messages.filter((m) => m.role === 'system').map((m) => m.content);
  if (options.describeTools) system.push(toolList(conversation));
  text = system.filter(Boolean).join('\n\n');

  for (const message of conversation.messages) {
    if (message.role === 'user') text += `\nNew Input: ${message.content}`;
    if (message.role !== 'assistant') continue;
    const steps: Array<{ completion: string; observation?: string }> = [];
    if (message.tool_calls) {
      for (const call of message.tool_calls) {
        const completion = `\nThought: ${message.reasoning ?? TOOL_THOUGHT}\nAction: ${call.function.name}\nAction Input: ${argumentsToActionInput(call.function.arguments)}${REACT_STOP_SEQUENCE}`;
        steps.push({ completion, observation: results.get(call.id) });
      }
    } else {
      steps.push({ completion: `\nThought: ${message.reasoning ?? NO_TOOL_THOUGHT}\nFinal Answer: ${message.content ?? ''}` });
    }
    for (const step of steps) {
      if (message.weight !== 0) samples.push({ prompt: text, completion: step.completion, usesTool: step.observation !== undefined || Boolean(message.tool_calls) });
      text += step.completion;
      if (step.observation !== undefined) text += ` ${step.observation}`;
    }
  }
  return samples;
}

/** The whole conversation as one transcript, the inverse of `parseReactTranscript`. */
export function conversationToReactTranscript(conversation: Conversation, options: ReactRenderOptions = {}): string {
  const samples = conversationToReact({ ...conversation, messages: conversation.messages.map((m) => (m.role === 'assistant' ? { ...m, weight: 1 as const } : m)) }, options);
  if (samples.length === 0) return '';
  const last = samples[samples.length - 1];
  let transcript = last.prompt + last.completion;
  // Observations that follow the last step are not part of any prompt; append them.
  const lastAssistant = [...conversation.messages].reverse().find((m) => m.role === 'assistant');
  const tail = lastAssistant?.role === 'assistant' ? lastAssistant.tool_calls?.at(-1) : undefined;
  const result = tail ? conversation.messages.find((m) => m.role === 'tool' && m.tool_call_id === tail.id) : undefined;
  if (result) transcript += ` ${result.content}`;
  return transcript;
}
