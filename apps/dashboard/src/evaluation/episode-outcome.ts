import type { Episode } from '../api/report-types';

/** Whether an agent episode went as the reference did: every step's tool and arguments right, and the answer when one was expected. */
export function episodePassed(episode: Episode): boolean {
  const stepsRight = episode.score.steps.every((step) => step.toolCorrect && step.argumentsCorrect);
  return stepsRight && episode.score.finalAnswerCorrect !== false && !episode.turns.some((turn) => turn.error);
}

/** What went wrong at one compared step, in words; null when nothing did. */
export function stepFailure(step: Episode['score']['steps'][number]): string | null {
  if (!step.toolCorrect) return `expected ${step.expectedLabel}, got ${step.predictedLabel}`;
  if (!step.argumentsCorrect) return `right tool (${step.expectedLabel}), wrong arguments`;
  return null;
}
