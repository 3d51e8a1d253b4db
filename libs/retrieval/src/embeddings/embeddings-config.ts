import { z } from 'zod';

/** Where embeddings come from: any OpenAI-compatible `/v1/embeddings` (OpenAI, vLLM, llama.cpp, TEI, Ollama). */
export interface EmbeddingsEndpoint {
  /** The API base, `.../v1`; requests go to `<baseURL>/embeddings`. */
  baseURL: string;
  model: string;
  apiKey?: string;
  /** Texts per request. */
  batchSize: number;
}

/**
 * The environment variables that turn embeddings on: all optional; without a base URL retrieval is BM25
 * only. Services add this schema to their own, so a wrong value stops the process at boot naming it.
 */
export const embeddingsEnvSchema = z
  .object({
    TF_EMBEDDINGS_BASE_URL: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'an http or https URL')
      .optional(),
    TF_EMBEDDINGS_MODEL: z.string().min(1).optional(),
    TF_EMBEDDINGS_API_KEY: z.string().min(1).optional(),
    TF_EMBEDDINGS_BATCH_SIZE: z.coerce.number().int().min(1).max(2048).default(64),
  })
  .superRefine((config, context) => {
    if (config.TF_EMBEDDINGS_BASE_URL && !config.TF_EMBEDDINGS_MODEL) {
      context.addIssue({ code: 'custom', path: ['TF_EMBEDDINGS_MODEL'], message: 'required when TF_EMBEDDINGS_BASE_URL is set' });
    }
    if (!config.TF_EMBEDDINGS_BASE_URL && config.TF_EMBEDDINGS_MODEL) {
      context.addIssue({ code: 'custom', path: ['TF_EMBEDDINGS_BASE_URL'], message: 'required when TF_EMBEDDINGS_MODEL is set' });
    }
  });

export type EmbeddingsEnv = z.infer<typeof embeddingsEnvSchema>;

/** The configured endpoint, or undefined when embeddings are off. */
export function embeddingsEndpointFromEnv(env: Partial<EmbeddingsEnv> | undefined): EmbeddingsEndpoint | undefined {
  if (!env?.TF_EMBEDDINGS_BASE_URL || !env.TF_EMBEDDINGS_MODEL) return undefined;
  return {
    baseURL: env.TF_EMBEDDINGS_BASE_URL,
    model: env.TF_EMBEDDINGS_MODEL,
    ...(env.TF_EMBEDDINGS_API_KEY && { apiKey: env.TF_EMBEDDINGS_API_KEY }),
    batchSize: env.TF_EMBEDDINGS_BATCH_SIZE ?? 64,
  };
}
