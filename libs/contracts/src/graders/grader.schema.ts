import { z } from 'zod';

/**
 * The graders of reinforcement fine-tuning: OpenAI's JSON shapes (`string_check`, `text_similarity`, `score_model`,
 * `label_model`, `multi`, `python`) and Tuneforge's agent graders (`tool_call`, `task_success`, `logit`). Defined here, once, because
 * the gateway validates them in a job request, the job config carries them to the trainer, and `@tuneforge/graders`
 * runs them. These schemas check the shape only; `validateGrader` (`@tuneforge/graders`) adds what needs more than a
 * shape: formula names, supported metrics, a python sandbox on this host.
 */

export const STRING_CHECK_OPERATIONS = ['eq', 'ne', 'like', 'ilike'] as const;
export const TEXT_SIMILARITY_METRICS = ['fuzzy_match', 'bleu', 'gleu', 'meteor', 'cosine', 'rouge_1', 'rouge_2', 'rouge_3', 'rouge_4', 'rouge_5', 'rouge_l'] as const;
export type TextSimilarityMetric = (typeof TEXT_SIMILARITY_METRICS)[number];
export const GRADER_TYPES = ['string_check', 'text_similarity', 'score_model', 'label_model', 'multi', 'python', 'tool_call', 'task_success', 'logit'] as const;
export type GraderType = (typeof GRADER_TYPES)[number];

/** OpenAI's limit on a python grader's source (256 kB). */
export const MAX_PYTHON_SOURCE_BYTES = 256 * 1024;

const graderName = z.string().min(1, 'must not be empty').max(256);

/** A text content block; images and audio are refused because no Tuneforge grader model reads them. */
const textBlockSchema = z
  .object({
    type: z.enum(['input_text', 'output_text'], { error: "only text content blocks ('input_text', 'output_text') are supported; images and audio are not" }),
    text: z.string(),
  })
  .strict();
export type GraderTextBlock = z.infer<typeof textBlockSchema>;

/** One message of a model grader's prompt; `content` may hold templates (`{{sample.output_text}}`, `{{item.x}}`). */
export const graderMessageSchema = z
  .object({
    role: z.enum(['user', 'assistant', 'system', 'developer']),
    content: z.union([z.string(), textBlockSchema, z.array(textBlockSchema)]),
    type: z.literal('message').optional(),
  })
  .strict();
export type GraderMessage = z.infer<typeof graderMessageSchema>;

export const graderSamplingParamsSchema = z
  .object({
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().gt(0).max(1).nullable().optional(),
    seed: z.number().int().nullable().optional(),
    max_completions_tokens: z.number().int().min(1).max(32768).nullable().optional(),
    /** Accepted for OpenAI compatibility; Tuneforge's served models do not reason, so it changes nothing. */
    reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']).nullable().optional(),
  })
  .strict();

export const stringCheckGraderSchema = z
  .object({ type: z.literal('string_check'), name: graderName, input: z.string(), reference: z.string(), operation: z.enum(STRING_CHECK_OPERATIONS) })
  .strict();

export const textSimilarityGraderSchema = z
  .object({ type: z.literal('text_similarity'), name: graderName, input: z.string(), reference: z.string(), evaluation_metric: z.enum(TEXT_SIMILARITY_METRICS) })
  .strict();

export const scoreModelGraderSchema = z
  .object({
    type: z.literal('score_model'),
    name: graderName,
    model: z.string().min(1),
    input: z.array(graderMessageSchema).min(1),
    /** [min, max] of the score the model gives; default [0, 1]. */
    range: z
      .array(z.number())
      .length(2)
      .refine(([low, high]) => low < high, 'must be [min, max] with min < max')
      .optional(),
    sampling_params: graderSamplingParamsSchema.optional(),
  })
  .strict();

/**
 * OpenAI's label_model: the model classifies the sample into one of `labels`; the score is 1 when its label is one of
 * `passing_labels`, else 0.
 */
export const labelModelGraderSchema = z
  .object({
    type: z.literal('label_model'),
    name: graderName,
    model: z.string().min(1),
    input: z.array(graderMessageSchema).min(1),
    labels: z.array(z.string().min(1).max(256)).min(2).max(64),
    passing_labels: z.array(z.string().min(1).max(256)).min(1).max(64),
  })
  .strict()
  .refine((g) => g.passing_labels.every((label) => g.labels.includes(label)), { message: 'every passing label must be one of labels', path: ['passing_labels'] })
  .refine((g) => new Set(g.labels.map((l) => l.trim().toLowerCase())).size === g.labels.length, { message: 'labels must differ (compared trimmed, ignoring case)', path: ['labels'] });

export const pythonGraderSchema = z
  .object({
    type: z.literal('python'),
    name: graderName,
    source: z
      .string()
      .min(1)
      .refine((source) => Buffer.byteLength(source) <= MAX_PYTHON_SOURCE_BYTES, `must be at most ${MAX_PYTHON_SOURCE_BYTES} bytes`),
    /** OpenAI's image tag; Tuneforge runs the host's python3 whatever it says. */
    image_tag: z.string().optional(),
  })
  .strict();

/**
 * Tuneforge: tool-call correctness, the evaluator's rule (right tool; every reference argument present with the same
 * value). `reference` is a template resolving to the reference call(s): `{name, arguments}` or a list of them,
 * as objects or JSON text.
 */
export const toolCallGraderSchema = z.object({ type: z.literal('tool_call'), name: graderName, reference: z.string().min(1) }).strict();

export const ENVIRONMENT_OPERATIONS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches', 'exists', 'absent'] as const;

/** One expectation (an evaluation callback): on the tool environment's final state, or on the calls the episode made. */
export const expectationSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('state'),
      /** Dotted path into `sample.environment` (`orders.0.status`). */
      path: z.string().min(1),
      op: z.enum(ENVIRONMENT_OPERATIONS),
      /** Compared value (not for `exists`/`absent`); a string may be a template. */
      value: z.unknown().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('tool_called'),
      tool: z.string().min(1),
      /** Arguments the call must carry (at least), compared as the evaluator compares them. */
      arguments: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
]);
export type Expectation = z.infer<typeof expectationSchema>;

export const taskSuccessGraderSchema = z
  .object({
    type: z.literal('task_success'),
    name: graderName,
    expectations: z.array(expectationSchema).min(1).max(256),
    /** `all` (default): 1 when every expectation holds, else 0; `mean`: the fraction that holds. */
    aggregate: z.enum(['all', 'mean']).optional(),
  })
  .strict();

/** Tuneforge: asks a model a yes/no question and scores P(yes) / (P(yes) + P(no)) from its first token's log-probabilities. */
export const logitGraderSchema = z
  .object({
    type: z.literal('logit'),
    name: graderName,
    model: z.string().min(1),
    input: z.array(graderMessageSchema).min(1),
    /** Tokens counted as yes / no (compared trimmed and lowercased); default ['yes'] / ['no']. */
    yes_tokens: z.array(z.string().min(1)).min(1).max(32).optional(),
    no_tokens: z.array(z.string().min(1)).min(1).max(32).optional(),
  })
  .strict();

export type StringCheckGrader = z.infer<typeof stringCheckGraderSchema>;
export type TextSimilarityGrader = z.infer<typeof textSimilarityGraderSchema>;
export type ScoreModelGrader = z.infer<typeof scoreModelGraderSchema>;
export type LabelModelGrader = z.infer<typeof labelModelGraderSchema>;
export type PythonGrader = z.infer<typeof pythonGraderSchema>;
export type ToolCallGrader = z.infer<typeof toolCallGraderSchema>;
export type TaskSuccessGrader = z.infer<typeof taskSuccessGraderSchema>;
export type LogitGrader = z.infer<typeof logitGraderSchema>;

export interface MultiGrader {
  type: 'multi';
  name: string;
  /** Sub-graders by the name the formula uses. */
  graders: Record<string, Grader>;
  /** A formula over the keys of `graders`: + - * / ^, parentheses, numbers, min max abs sqrt log exp floor ceil round. */
  calculate_output: string;
}

export type Grader = StringCheckGrader | TextSimilarityGrader | ScoreModelGrader | LabelModelGrader | MultiGrader | PythonGrader | ToolCallGrader | TaskSuccessGrader | LogitGrader;

/** A sub-grader's key: a formula variable name. */
export const GRADER_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const multiGraderSchema = z
  .object({
    type: z.literal('multi'),
    name: graderName,
    graders: z
      .record(z.string().regex(GRADER_KEY_PATTERN, 'a key must be a formula name: letters, digits and _, not starting with a digit'), z.lazy(() => graderSchema))
      .refine((graders) => Object.keys(graders).length > 0, 'must hold at least one grader'),
    calculate_output: z.string().min(1),
  })
  .strict();

export const graderSchema: z.ZodType<Grader> = z.discriminatedUnion('type', [
  stringCheckGraderSchema,
  textSimilarityGraderSchema,
  scoreModelGraderSchema,
  labelModelGraderSchema,
  multiGraderSchema,
  pythonGraderSchema,
  toolCallGraderSchema,
  taskSuccessGraderSchema,
  logitGraderSchema,
]);
