import type { EvaluationMetricName } from '@tuneforge/contracts';
import type { ExampleReport, WorstExample } from './evaluation-report';

/** The per-example metric the worst examples are ranked by: the first of these the report has. */
const RANKING: readonly EvaluationMetricName[] = ['token_f1', 'rougeL', 'chrf', 'bleu', 'exact_match', 'semantic_similarity'];

/**
 * The examples the fine-tuned model did worst on: lowest score first and, among equal scores, the ones
 * where it lost most against the base model. Without any text metric, the highest reference loss.
 */
export function worstExamples(examples: readonly ExampleReport[], count: number): WorstExample[] {
  const scored = examples.filter((example) => example.tuned !== undefined);
  const metric = RANKING.find((name) => scored.some((example) => example.tuned?.metrics[name] !== undefined));
  if (metric) {
    return scored
      .filter((example) => example.tuned?.metrics[metric] !== undefined)
      .map((example) => entry(example, metric, example.tuned?.metrics[metric] as number, example.base?.metrics[metric]))
      .sort((a, b) => a.tuned - b.tuned || (b.base ?? 0) - b.tuned - ((a.base ?? 0) - a.tuned))
      .slice(0, count);
  }
  return scored
    .filter((example) => example.tuned?.loss !== undefined)
    .map((example) => entry(example, 'loss', example.tuned?.loss as number, example.base?.loss))
    .sort((a, b) => b.tuned - a.tuned)
    .slice(0, count);
}

function entry(example: ExampleReport, metric: WorstExample['metric'], tuned: number, base: number | undefined): WorstExample {
  return {
    index: example.index,
    metric,
    ...(base !== undefined ? { base } : {}),
    tuned,
    prompt: example.prompt,
    reference: example.tuned?.reference ?? '',
    output: example.tuned?.output ?? '',
  };
}
