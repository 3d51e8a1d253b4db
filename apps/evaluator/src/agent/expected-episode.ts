import { ReactParser } from '@tuneforge/agents';
import type { Conversation, Message } from '@tuneforge/datasets';

/** What the model should do at one step: call a tool with arguments, or answer. */
export type ExpectedAction = { kind: 'tool_call'; name: string; arguments: Record<string, unknown> } | { kind: 'final_answer'; answer: string };

export interface ExpectedStep {
  action: ExpectedAction;
  /** What the tool answered the reference call (the tool message or ReAct observation that followed it). */
  observation?: string;
}

/** One agent episode of the evaluation set: the task the model starts from and the reference steps. */
export interface ExpectedEpisode {
  /** The system and user messages before the first assistant turn. */
  task: Message[];
  steps: ExpectedStep[];
}

const REACT_ACTION = /(^|\n)\s*(Action|Final Answer)\s*:/;

/**
 * Reads the reference actions of a conversation: the task is the system and user messages before the
 * first assistant turn; every tool call of the assistant turns that follow (in order, parallel calls one
 * after another) is an expected call, whose observation is the tool message answering its id; a turn
 * without calls is the expected answer. Assistant text written in LangChain ReAct form (`Action:` /
 * `Action Input:`, or `Final Answer:`) is read with the ReAct parser, its observation being the tool or
 * user message that follows. The episode ends at the first answer or at a later user turn (what follows
 * is another task). Undefined when there is no task or no assistant turn.
 */
export function expectedEpisode(conversation: Conversation): ExpectedEpisode | undefined {
  const { messages } = conversation;
  const first = messages.findIndex((m) => m.role === 'assistant');
  if (first <= 0) return undefined;
  const task = messages.slice(0, first).filter((m) => m.role === 'system' || m.role === 'user');
  if (!task.some((m) => m.role === 'user')) return undefined;
  const steps: ExpectedStep[] = [];
  const react = new ReactParser();
  for (let i = first; i < messages.length; i++) {
    const message = messages[i];
    if (message.role === 'user') break;
    if (message.role !== 'assistant') continue;
    if (message.tool_calls) {
      for (const call of message.tool_calls) {
        const answer = messages.slice(i + 1).find((m): m is Extract<Message, { role: 'tool' }> => m.role === 'tool' && m.tool_call_id === call.id);
        steps.push({ action: { kind: 'tool_call', name: call.function.name, arguments: JSON.parse(call.function.arguments) as Record<string, unknown> }, ...(answer ? { observation: answer.content } : {}) });
      }
      continue;
    }
    const content = message.content ?? '';
    if (REACT_ACTION.test(content)) {
      const parsed = react.parse(content.replace(/\n?Observation:\s*$/, ''));
      if (parsed.kind === 'tool_calls') {
        const next = messages[i + 1];
        const observation = next && (next.role === 'tool' || next.role === 'user') ? next.content : undefined;
        for (const call of parsed.calls) steps.push({ action: { kind: 'tool_call', name: call.name, arguments: call.arguments }, ...(observation !== undefined ? { observation } : {}) });
        // The observation was a user message in this form; it belongs to the step, not a new task.
        if (next?.role === 'user') i++;
        continue;
      }
      if (parsed.kind === 'final_answer') {
        steps.push({ action: { kind: 'final_answer', answer: parsed.answer } });
        break;
      }
    }
    steps.push({ action: { kind: 'final_answer', answer: content } });
    break;
  }
  return steps.length === 0 ? undefined : { task, steps };
}

/**
 * The reference step of a ReAct prompt/completion sample (reference 000's training format: the prompt holds
 * the task and the steps so far, the completion is the next step, ending at `\nObservation:`). Undefined
 * when the completion is not a readable ReAct step.
 */
export function expectedReactStep(completion: string): ExpectedEpisode | undefined {
  if (!REACT_ACTION.test(completion)) return undefined;
  const parsed = new ReactParser().parse(completion.replace(/\n?Observation:\s*$/, ''));
  if (parsed.kind === 'tool_calls') return { task: [], steps: parsed.calls.map((call) => ({ action: { kind: 'tool_call', name: call.name, arguments: call.arguments } })) };
  if (parsed.kind === 'final_answer') return { task: [], steps: [{ action: { kind: 'final_answer', answer: parsed.answer } }] };
  return undefined;
}

// Scoring compares a model's call with the reference call the way fixtures are chosen in the tool loop.
export { argumentsMatch, sameArgumentValue } from '@tuneforge/agents';
