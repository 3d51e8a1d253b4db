import { z } from 'zod';

/**
 * Metric names in evaluation summaries (snake_case, all in [0, 1] except losses, perplexity, BLEU and chrF
 * which keep their usual scales: BLEU and chrF 0–100 as sacrebleu prints them; and the preference margins, in
 * nats). Approval thresholds and the debugger refer to metrics by these names.
 *
 * Preference pairs (a DPO job's held-out pairs) give four: `preference_accuracy`, the share of pairs whose chosen
 * output has the higher summed log-probability; `logprob_margin`, the mean of log p(chosen) − log p(rejected);
 * `reward_accuracy` and `reward_margin`, TRL's DPO reward metrics with the base model as the reference (reward =
 * β × (log p_model − log p_base)): the share of pairs whose chosen reward is strictly higher, and the mean chosen −
 * rejected reward. For the base model itself every reward is 0, so its reward accuracy and margin are 0.
 *
 * A reinforcement job's held-out tasks give two more: `reward_mean`, the job's grader's mean score over one greedy
 * episode per task (OpenAI's `valid_reward_mean`, measured here for the base model too), and `pass_rate`, the share of
 * those episodes scoring at least the run's pass threshold (`training.grpo.passThreshold`).
 */
export const EVALUATION_METRIC_NAMES = [
  'bleu',
  'chrf',
  'rouge1',
  'rouge2',
  'rougeL',
  'exact_match',
  'token_f1',
  'validation_loss',
  'perplexity',
  'semantic_similarity',
  'format_validity',
  'stopped_at_observation',
  'tool_selection_accuracy',
  'argument_accuracy',
  'final_answer_accuracy',
  'preference_accuracy',
  'logprob_margin',
  'reward_accuracy',
  'reward_margin',
  'reward_mean',
  'pass_rate',
] as const;

export type EvaluationMetricName = (typeof EVALUATION_METRIC_NAMES)[number];

/** Metrics of one model on the evaluation set; a metric that was not computed is absent, never 0. */
export const metricValuesSchema = z.partialRecord(z.enum(EVALUATION_METRIC_NAMES), z.number());

/** Agent metrics of one tool: how often the model picked it when it was expected, and with the right arguments. */
export const perToolMetricsSchema = z
  .object({
    /** Evaluation turns whose expected action is this tool. */
    expected: z.number().int().nonnegative(),
    /** Turns where the model called this tool. */
    predicted: z.number().int().nonnegative(),
    selection_accuracy: z.number().min(0).max(1),
    argument_accuracy: z.number().min(0).max(1),
  })
  .strict();

export const modelEvaluationSchema = z
  .object({
    metrics: metricValuesSchema,
    /** Agent tasks only: per tool name (plus `(none)` for turns that expect a final answer). */
    per_tool: z.record(z.string(), perToolMetricsSchema).default({}),
  })
  .strict();

/** What an evaluation found, small enough to travel in a message: base model vs fine-tuned, same prompts. */
export const evaluationSummarySchema = z
  .object({
    examples: z.number().int().nonnegative(),
    /** Examples evaluated in an agent loop (with the job's tools); 0 for plain text tasks. */
    agent_episodes: z.number().int().nonnegative(),
    base: modelEvaluationSchema,
    tuned: modelEvaluationSchema,
  })
  .strict();

export type MetricValues = z.infer<typeof metricValuesSchema>;
export type ModelEvaluation = z.infer<typeof modelEvaluationSchema>;
export type EvaluationSummary = z.infer<typeof evaluationSummarySchema>;
