import type { EvaluationSummary } from '@tuneforge/contracts';

/** The numbers an after-evaluation question carries: the fine-tuned model's metrics, and the base model's as `base_<name>`. */
export function metricContext(summary: EvaluationSummary, iteration: number): Record<string, number> {
  const base = Object.fromEntries(Object.entries(summary.base.metrics).map(([name, value]) => [`base_${name}`, value as number]));
  return { iteration, examples: summary.examples, ...(summary.tuned.metrics as Record<string, number>), ...base };
}

const HEADLINE_METRICS = ['tool_selection_accuracy', 'final_answer_accuracy', 'exact_match', 'token_f1', 'rougeL', 'bleu', 'validation_loss'] as const;

export function describeMetrics(summary: EvaluationSummary): string {
  const parts = HEADLINE_METRICS.filter((name) => summary.tuned.metrics[name] !== undefined).map((name) => {
    const base = summary.base.metrics[name];
    return `${name} ${summary.tuned.metrics[name]!.toFixed(3)}${base !== undefined ? ` (base ${base.toFixed(3)})` : ''}`;
  });
  return parts.length ? parts.join(', ') : `${summary.examples} examples`;
}
