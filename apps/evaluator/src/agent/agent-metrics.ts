import type { MetricValues, ModelEvaluation } from '@tuneforge/contracts';
import type { EpisodeScore } from './episode-score';

/** Counts of expected label (row) × predicted label (column) over every compared step. */
export type ConfusionMatrix = Record<string, Record<string, number>>;

export interface AgentAggregate {
  metrics: MetricValues;
  perTool: ModelEvaluation['per_tool'];
  confusion: ConfusionMatrix;
  /** Evaluation callbacks: reference calls the run made somewhere (tool + argument subset). */
  expectations: { passed: number; total: number };
}

const ratio = (part: number, whole: number): number | undefined => (whole === 0 ? undefined : part / whole);

/**
 * The agent metrics of one model over its episodes. A rate with nothing to count (no tool turns, no
 * reference answers) is left out rather than reported as 0. Per tool: `expected` reference steps for it,
 * `predicted` steps where the model chose it, and the share of its expected steps where the model chose
 * it (selection) and chose it with the right arguments (argument accuracy). `(none)` is the answer step.
 */
export function aggregateAgentScores(episodes: readonly EpisodeScore[]): AgentAggregate {
  const steps = episodes.flatMap((episode) => episode.steps);
  const toolSteps = steps.filter((step) => step.expected.kind === 'tool_call');
  const answered = episodes.filter((episode) => episode.finalAnswerCorrect !== undefined);
  const sum = (pick: (episode: EpisodeScore) => number) => episodes.reduce((n, episode) => n + pick(episode), 0);
  const candidates: Record<string, number | undefined> = {
    format_validity: ratio(sum((e) => e.validGenerations), sum((e) => e.generations)),
    stopped_at_observation: ratio(sum((e) => e.stoppedAtObservation), sum((e) => e.toolGenerations)),
    tool_selection_accuracy: ratio(steps.filter((s) => s.toolCorrect).length, steps.length),
    argument_accuracy: ratio(toolSteps.filter((s) => s.argumentsCorrect).length, toolSteps.length),
    final_answer_accuracy: ratio(answered.filter((e) => e.finalAnswerCorrect).length, answered.length),
  };
  const metrics: MetricValues = Object.fromEntries(Object.entries(candidates).filter(([, value]) => value !== undefined));

  const confusion: ConfusionMatrix = {};
  for (const step of steps) {
    const row = (confusion[step.expectedLabel] ??= {});
    row[step.predictedLabel] = (row[step.predictedLabel] ?? 0) + 1;
  }
  const perTool: ModelEvaluation['per_tool'] = {};
  for (const tool of Object.keys(confusion).sort()) {
    const expected = steps.filter((s) => s.expectedLabel === tool);
    perTool[tool] = {
      expected: expected.length,
      predicted: steps.filter((s) => s.predictedLabel === tool).length,
      selection_accuracy: expected.filter((s) => s.toolCorrect).length / expected.length,
      argument_accuracy: expected.filter((s) => s.argumentsCorrect).length / expected.length,
    };
  }
  const expectations = episodes.flatMap((episode) => episode.expectations);
  return { metrics, perTool, confusion, expectations: { passed: expectations.filter((e) => e.passed).length, total: expectations.length } };
}
