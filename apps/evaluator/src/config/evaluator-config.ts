import { z } from 'zod';

const httpUrl = z
  .string()
  .url()
  .refine((url) => /^https?:\/\//.test(url), 'an http or https URL');

/**
 * The evaluator's own environment variables, validated at boot with the kit's (a wrong value stops the
 * process with exit code 78 naming the variable). Without an embeddings endpoint, `semantic_similarity`
 * is not computed (absent from the summary, never 0).
 */
export const evaluatorEnvSchema = z
  .object({
    /** An OpenAI-compatible API serving `/embeddings` (OpenAI, vLLM, llama.cpp, text-embeddings-inference). */
    TF_EVAL_EMBEDDINGS_BASE_URL: httpUrl.optional(),
    /** The embedding model the endpoint serves; required with the base URL. */
    TF_EVAL_EMBEDDINGS_MODEL: z.string().min(1).optional(),
    /** Bearer key for the endpoint; local servers usually need none. */
    TF_EVAL_EMBEDDINGS_API_KEY: z.string().min(1).optional(),
    /**
     * A reinforcement job's model graders (score_model, logit, text_similarity cosine) call this OpenAI-compatible API
     * with this key, as the training pod's graders do (the same variables).
     */
    TF_GRADER_BASE_URL: httpUrl.optional(),
    TF_GRADER_API_KEY: z.string().min(1).optional(),
    /** Kernel threads per loaded model; 0 = all cores. */
    TF_EVAL_THREADS: z.coerce.number().int().min(0).max(1024).default(0),
    /**
     * Sequences a model decodes together while it is evaluated (its serving scheduler's slots, the inference
     * service's TF_INFERENCE_MAX_SEQUENCES): examples and episodes run side by side up to this many.
     */
    TF_EVAL_MAX_SEQUENCES: z.coerce.number().int().min(1).max(256).default(16),
    /** Prompt plus generated tokens per sequence, capped by the model's max_position_embeddings (as TF_INFERENCE_MAX_CONTEXT). */
    TF_EVAL_MAX_CONTEXT: z.coerce.number().int().min(16).default(4096),
    /** How often an instance shows it still holds its tasks, and looks for tasks whose holder died. */
    TF_EVAL_HEARTBEAT_MS: z.coerce.number().int().min(50).max(600_000).default(15_000),
    /** A task with no sign of life for this long is taken over by another instance (or the next process). */
    TF_EVAL_TAKEOVER_AFTER_MS: z.coerce.number().int().min(150).max(86_400_000).default(120_000),
  })
  .superRefine((config, context) => {
    if (config.TF_EVAL_TAKEOVER_AFTER_MS < 3 * config.TF_EVAL_HEARTBEAT_MS) {
      context.addIssue({ code: 'custom', path: ['TF_EVAL_TAKEOVER_AFTER_MS'], message: 'at least 3 × TF_EVAL_HEARTBEAT_MS, so that a slow heartbeat is not taken for a dead instance' });
    }
    if (config.TF_EVAL_EMBEDDINGS_BASE_URL && !config.TF_EVAL_EMBEDDINGS_MODEL) {
      context.addIssue({ code: 'custom', path: ['TF_EVAL_EMBEDDINGS_MODEL'], message: 'required when TF_EVAL_EMBEDDINGS_BASE_URL is set' });
    }
    if (!config.TF_EVAL_EMBEDDINGS_BASE_URL && config.TF_EVAL_EMBEDDINGS_MODEL) {
      context.addIssue({ code: 'custom', path: ['TF_EVAL_EMBEDDINGS_BASE_URL'], message: 'required when TF_EVAL_EMBEDDINGS_MODEL is set' });
    }
  });

export type EvaluatorConfig = z.infer<typeof evaluatorEnvSchema>;

export interface EmbeddingsEndpoint {
  baseURL: string;
  model: string;
  apiKey?: string;
}

/** The configured embeddings endpoint, or undefined when the evaluator has none. */
export function embeddingsEndpoint(config: Partial<EvaluatorConfig> | undefined): EmbeddingsEndpoint | undefined {
  if (!config?.TF_EVAL_EMBEDDINGS_BASE_URL || !config.TF_EVAL_EMBEDDINGS_MODEL) return undefined;
  return { baseURL: config.TF_EVAL_EMBEDDINGS_BASE_URL, model: config.TF_EVAL_EMBEDDINGS_MODEL, apiKey: config.TF_EVAL_EMBEDDINGS_API_KEY };
}
