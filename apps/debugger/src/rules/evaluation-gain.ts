import { EVALUATION_METRIC_NAMES, type EvaluationMetricName, type EvaluationSummary } from '@tuneforge/contracts';

/** Metrics where lower is better: compared by relative improvement instead. */
const LOWER_IS_BETTER: ReadonlySet<EvaluationMetricName> = new Set(['validation_loss', 'perplexity']);
/** BLEU and chrF are on 0–100; every other higher-is-better metric is on 0–1. */
const SCALE: Partial<Record<EvaluationMetricName, number>> = { bleu: 100, chrf: 100 };

export interface MetricGain {
  metric: EvaluationMetricName;
  base: number;
  tuned: number;
  /** Tuned minus base on a 0–1 scale (relative reduction for losses): positive means the tuning helped. */
  gain: number;
}

/** How much better the tuned model is than the base model, metric by metric, over the metrics both have. */
export function evaluationGains(summary: EvaluationSummary): MetricGain[] {
  return EVALUATION_METRIC_NAMES.flatMap((metric) => {
    const base = summary.base.metrics[metric];
    const tuned = summary.tuned.metrics[metric];
    if (base === undefined || tuned === undefined) return [];
    if (LOWER_IS_BETTER.has(metric)) return base > 0 ? [{ metric, base, tuned, gain: (base - tuned) / base }] : [];
    return [{ metric, base, tuned, gain: (tuned - base) / (SCALE[metric] ?? 1) }];
  });
}
