import type { ChatEndpoint, LlmRetryPolicy } from '@tuneforge/datasets';
import { z } from 'zod';

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

/**
 * Datagen's own environment variables, validated at boot with the kit's; a wrong value stops the process
 * with exit code 78 naming the variable. All optional: without `TF_SYNTH_LLM_BASE_URL` datagen synthesizes
 * from its seeded templates only.
 */
export const datagenEnvSchema = z
  .object({
    /** An OpenAI-compatible API (`https://api.openai.com/v1`, a vLLM or llama.cpp server, Tuneforge's own). */
    TF_SYNTH_LLM_BASE_URL: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'an http or https URL')
      .optional(),
    /** The model the endpoint serves; required with the base URL. */
    TF_SYNTH_LLM_MODEL: z.string().min(1).optional(),
    /** Bearer key for the endpoint; local servers usually need none. */
    TF_SYNTH_LLM_API_KEY: z.string().min(1).optional(),
    /** Requests in flight at once for one task. */
    TF_SYNTH_LLM_CONCURRENCY: positiveInt(64).default(4),
    /** Samples asked for per request. */
    TF_SYNTH_LLM_BATCH_SIZE: positiveInt(50).default(5),
    /** Upper bound on requests per task (the bill a badly answering model can run up); default 3× what the count needs. */
    TF_SYNTH_LLM_MAX_REQUESTS: positiveInt(100_000).optional(),
    /** Attempts per request on 429, 5xx and connection errors, with exponential backoff from the initial delay. */
    TF_SYNTH_LLM_MAX_ATTEMPTS: positiveInt(20).default(5),
    TF_SYNTH_LLM_INITIAL_BACKOFF_MS: positiveInt(600_000).default(500),
    TF_SYNTH_LLM_MAX_BACKOFF_MS: positiveInt(600_000).default(20_000),
  })
  .superRefine((config, context) => {
    if (config.TF_SYNTH_LLM_BASE_URL && !config.TF_SYNTH_LLM_MODEL) {
      context.addIssue({ code: 'custom', path: ['TF_SYNTH_LLM_MODEL'], message: 'required when TF_SYNTH_LLM_BASE_URL is set' });
    }
    if (!config.TF_SYNTH_LLM_BASE_URL && config.TF_SYNTH_LLM_MODEL) {
      context.addIssue({ code: 'custom', path: ['TF_SYNTH_LLM_BASE_URL'], message: 'required when TF_SYNTH_LLM_MODEL is set' });
    }
  });

export type DatagenConfig = z.infer<typeof datagenEnvSchema>;

/** What LLM synthesis runs with, when an endpoint is configured. */
export interface LlmSynthesisSettings {
  endpoint: ChatEndpoint;
  batchSize: number;
  concurrency: number;
  maxRequests?: number;
  retry: LlmRetryPolicy;
}

/** The configured endpoint, or undefined when datagen has none (templates only). */
export function llmSettings(config: Partial<DatagenConfig> | undefined): LlmSynthesisSettings | undefined {
  if (!config?.TF_SYNTH_LLM_BASE_URL || !config.TF_SYNTH_LLM_MODEL) return undefined;
  return {
    // The client refuses an empty key; servers that need none ignore the header.
    endpoint: { baseURL: config.TF_SYNTH_LLM_BASE_URL, model: config.TF_SYNTH_LLM_MODEL, apiKey: config.TF_SYNTH_LLM_API_KEY ?? 'none' },
    batchSize: config.TF_SYNTH_LLM_BATCH_SIZE ?? 5,
    concurrency: config.TF_SYNTH_LLM_CONCURRENCY ?? 4,
    maxRequests: config.TF_SYNTH_LLM_MAX_REQUESTS,
    retry: {
      maxAttempts: config.TF_SYNTH_LLM_MAX_ATTEMPTS ?? 5,
      initialBackoffMs: config.TF_SYNTH_LLM_INITIAL_BACKOFF_MS ?? 500,
      maxBackoffMs: config.TF_SYNTH_LLM_MAX_BACKOFF_MS ?? 20_000,
    },
  };
}
