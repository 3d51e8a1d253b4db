import type { TurnRecord } from '@tuneforge/agents';
import { exactMatch } from '@tuneforge/metrics';
import { argumentsMatch, type ExpectedAction, type ExpectedEpisode } from './expected-episode';

/** Confusion-matrix labels besides tool names. */
export const ANSWER_LABEL = '(none)';
export const INVALID_LABEL = '(invalid)';
export const MISSING_LABEL = '(missing)';

export type PredictedAction = ExpectedAction | { kind: 'invalid'; error: string };

/** One reference step next to what the model did at the same position of its run. */
export interface StepComparison {
  expected: ExpectedAction;
  /** Undefined when the run ended (answer, turn limit) before reaching this step. */
  predicted?: PredictedAction;
  expectedLabel: string;
  predictedLabel: string;
  toolCorrect: boolean;
  argumentsCorrect: boolean;
}

/** An evaluation callback: the reference expects this tool called with (at least) these arguments somewhere in the run. */
export interface ExpectationResult {
  tool: string;
  arguments: Record<string, unknown>;
  passed: boolean;
}

export interface EpisodeScore {
  steps: StepComparison[];
  generations: number;
  validGenerations: number;
  /** Generations that tried to hand over to a tool (a call, or a ReAct step that wrote the observation itself). */
  toolGenerations: number;
  /** Of those, the ones that stopped where the tool takes over. */
  stoppedAtObservation: number;
  /** Undefined when the reference ends without an answer (the run is judged on its calls only). */
  finalAnswerCorrect?: boolean;
  expectations: ExpectationResult[];
}

/** The model's actions in run order: each tool call, each answer, each unreadable generation. */
export function predictedActions(turns: readonly TurnRecord[]): PredictedAction[] {
  return turns.flatMap((turn): PredictedAction[] => {
    const parsed = turn.parsed;
    if (parsed.kind === 'tool_calls') return parsed.calls.map((call) => ({ kind: 'tool_call', name: call.name, arguments: call.arguments }));
    if (parsed.kind === 'final_answer') return [{ kind: 'final_answer', answer: parsed.answer }];
    return [{ kind: 'invalid', error: `${parsed.error.code}: expected ${parsed.error.expected}` }];
  });
}

function label(action: PredictedAction | undefined): string {
  if (!action) return MISSING_LABEL;
  if (action.kind === 'tool_call') return action.name;
  return action.kind === 'final_answer' ? ANSWER_LABEL : INVALID_LABEL;
}

/**
 * Compares a run with the reference position by position: the model's n-th action against the n-th
 * reference step (the run is free: after a wrong call it sees that call's observation and goes on, as it
 * would in use). A step's tool is right when the model did the same kind of thing with the same tool; its
 * arguments are right when, besides, every reference argument is there with the same value. The answer is
 * right when it matches the reference answer after SQuAD normalization. `chatFormat` runs (tool calls in
 * the chat template) have no observation marker: a call "stops at the observation" when the generation
 * ended by itself (end of turn) rather than by running out of tokens.
 */
export function scoreEpisode(reference: ExpectedEpisode, turns: readonly TurnRecord[], finalAnswer: string | undefined, chatFormat: boolean): EpisodeScore {
  const predicted = predictedActions(turns);
  const steps = reference.steps.map((step, i): StepComparison => {
    const action = predicted[i];
    const expectedLabel = step.action.kind === 'tool_call' ? step.action.name : ANSWER_LABEL;
    const predictedLabel = label(action);
    const toolCorrect = expectedLabel === predictedLabel;
    const argumentsCorrect =
      toolCorrect && (step.action.kind !== 'tool_call' || (action?.kind === 'tool_call' && argumentsMatch(step.action.arguments, action.arguments)));
    return { expected: step.action, ...(action ? { predicted: action } : {}), expectedLabel, predictedLabel, toolCorrect, argumentsCorrect };
  });
  const toolTurns = turns.filter((turn) => turn.parsed.kind === 'tool_calls' || (turn.parsed.kind === 'error' && turn.parsed.error.code === 'predicted_observation'));
  const stopped = toolTurns.filter((turn) => (chatFormat ? turn.finishReason !== 'length' : turn.stoppedAtObservation === true));
  const last = reference.steps[reference.steps.length - 1].action;
  const finalAnswerCorrect = last.kind === 'final_answer' ? finalAnswer !== undefined && exactMatch(finalAnswer, [last.answer]) === 1 : undefined;
  const calls = predicted.filter((action): action is Extract<PredictedAction, { kind: 'tool_call' }> => action.kind === 'tool_call');
  const expectations = reference.steps.flatMap((step): ExpectationResult[] =>
    step.action.kind === 'tool_call'
      ? [{ tool: step.action.name, arguments: step.action.arguments, passed: calls.some((call) => call.name === (step.action as { name: string }).name && argumentsMatch((step.action as { arguments: Record<string, unknown> }).arguments, call.arguments)) }]
      : [],
  );
  return {
    steps,
    generations: turns.length,
    validGenerations: turns.filter((turn) => turn.parsed.kind !== 'error').length,
    toolGenerations: toolTurns.length,
    stoppedAtObservation: stopped.length,
    ...(finalAnswerCorrect !== undefined ? { finalAnswerCorrect } : {}),
    expectations,
  };
}
