import type { JobEvent } from '../api/types';

/** One training run's curves (a job trains once per iteration), by optimizer step. */
export interface RunCurves {
  runId: string;
  steps: number[];
  totalSteps: number | null;
  /** Metric name → value per step (null where the step did not report it: valid_loss only at checkpoints). */
  series: Record<string, Array<number | null>>;
}

/** The metrics a chart shows, in the API's names. */
export const CURVE_GROUPS = {
  loss: ['train_loss', 'valid_loss'],
  learningRate: ['learning_rate'],
  throughput: ['tokens_per_second'],
} as const;

/** Reward metrics of preference and reinforcement runs (`train_reward_margin`, `valid_reward_accuracy`, `reward`, ...). */
export function rewardMetrics(curves: RunCurves): string[] {
  return Object.keys(curves.series)
    .filter((name) => /reward/.test(name))
    .sort();
}

const SKIPPED = new Set(['step', 'total_steps', 'epoch', 'eta_seconds', 'run_id']);

/**
 * The step-metrics events (`type: metrics` with `data.step`) gathered into curves per run, in the order runs started.
 * An event seen twice (a stream reconnected) counts once; a later report of a step replaces the earlier one.
 */
export function curvesFromEvents(events: readonly JobEvent[]): RunCurves[] {
  const runs = new Map<string, Map<number, Record<string, number>>>();
  const totals = new Map<string, number>();
  for (const event of events) {
    const data = event.data;
    if (event.type !== 'metrics' || !data || typeof data.step !== 'number') continue;
    const runId = typeof data.run_id === 'string' ? data.run_id : 'run';
    const steps = runs.get(runId) ?? new Map<number, Record<string, number>>();
    runs.set(runId, steps);
    if (typeof data.total_steps === 'number') totals.set(runId, data.total_steps);
    const values: Record<string, number> = { ...(steps.get(data.step) ?? {}) };
    for (const [name, value] of Object.entries(data)) {
      if (!SKIPPED.has(name) && typeof value === 'number' && Number.isFinite(value)) values[name] = value;
    }
    steps.set(data.step, values);
  }
  return [...runs.entries()].map(([runId, byStep]) => {
    const steps = [...byStep.keys()].sort((a, b) => a - b);
    const names = new Set(steps.flatMap((step) => Object.keys(byStep.get(step)!)));
    const series: Record<string, Array<number | null>> = {};
    for (const name of names) series[name] = steps.map((step) => byStep.get(step)![name] ?? null);
    return { runId, steps, totalSteps: totals.get(runId) ?? null, series };
  });
}

/** The last value a series reported, for the text beside a chart. */
export function latest(values: ReadonlyArray<number | null> | undefined): number | null {
  if (!values) return null;
  for (let index = values.length - 1; index >= 0; index -= 1) if (values[index] !== null) return values[index];
  return null;
}
