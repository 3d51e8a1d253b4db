import type { Trajectory } from '@tuneforge/agents';
import type { GraderSample } from './grader-types';

/**
 * What a grader reads of an agent episode (libs/agents' trajectory): the final assistant text, the tool calls the
 * episode made, its messages, and the environment's final state. Episode tools keep no state of their own (the
 * calculator computes, fixtures answer, search reads), so the state is what happened in it: every tool call with its
 * output, the final answer, how the episode ended and its turns (task_success `state` expectations read paths such as
 * `tool_calls.0.output` or `end`). Training rollouts and the evaluator's held-out episodes are graded through it.
 */
export function trajectoryGraderSample(t: Trajectory): GraderSample & { trajectory: { messages: Trajectory['messages'] } } {
  const lastTurn = t.turns.at(-1);
  const output_text = t.finalAnswer ?? lastTurn?.raw ?? '';
  const calls = t.turns.flatMap((turn) => turn.toolCalls);
  const output_tools = calls.map((call) => ({ name: call.name, arguments: JSON.stringify(call.arguments) }));
  const environment = {
    tool_calls: calls.map((call) => ({ name: call.name, arguments: call.arguments, output: call.outcome.observation })),
    ...(t.finalAnswer !== undefined ? { final_answer: t.finalAnswer } : {}),
    end: t.end,
    turns: t.turns.length,
  };
  return { output_text, output_tools, trajectory: { messages: t.messages }, environment };
}
