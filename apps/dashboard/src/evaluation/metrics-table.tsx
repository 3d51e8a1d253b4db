import type { EvaluationMetricName, EvaluationSummary } from '../api/types';
import { formatNumber } from '../ui/format';

/** Metrics where lower is better; for every other one higher is better. */
const LOWER_IS_BETTER = new Set(['validation_loss', 'perplexity']);

/** Whether the tuned model did better, worse or the same, in words (never colour alone). */
export function verdict(metric: string, base: number | undefined, tuned: number | undefined): 'better' | 'worse' | 'same' | null {
  if (base === undefined || tuned === undefined) return null;
  if (Math.abs(tuned - base) < 1e-9) return 'same';
  return tuned > base !== LOWER_IS_BETTER.has(metric) ? 'better' : 'worse';
}

/** Base model and tuned model side by side, on the same held-out examples. */
export function MetricsTable({ summary, models }: { summary: EvaluationSummary; models: { base: string; tuned: string } }) {
  // Object.keys widens to string; the keys of metric values are metric names.
  const names = [...new Set([...Object.keys(summary.base.metrics), ...Object.keys(summary.tuned.metrics)])].sort() as EvaluationMetricName[];
  return (
    <table className="metrics">
      <caption>
        Base <code>{models.base}</code> vs tuned <code>{models.tuned}</code> on {summary.examples} examples{summary.agent_episodes ? ` (${summary.agent_episodes} agent episodes)` : ''}
      </caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Base</th>
          <th scope="col">Tuned</th>
          <th scope="col">Change</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => {
          const base = summary.base.metrics[name];
          const tuned = summary.tuned.metrics[name];
          const change = verdict(name, base, tuned);
          return (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{formatNumber(base)}</td>
              <td>{formatNumber(tuned)}</td>
              <td className={change ? `change-${change}` : undefined}>
                {change === null ? '—' : `${change === 'better' ? '▲' : change === 'worse' ? '▼' : '='} ${change}`}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
