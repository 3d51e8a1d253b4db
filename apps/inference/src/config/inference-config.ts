import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const GiB = 1024 ** 3;

/**
 * The inference service's own environment variables, validated at boot with the kit's; a wrong value stops the
 * process with exit code 78 naming the variable.
 */
export const inferenceEnvSchema = z.object({
  /** Where models are downloaded from the store; artifacts are immutable, so a copy here is reused until deleted. */
  TF_INFERENCE_MODEL_DIR: z.string().min(1).default(join(tmpdir(), 'tuneforge-inference-models')),
  /**
   * Bytes the loaded models may take together (weights as the engine holds them, plus each model's KV cache for
   * its decode session); the least recently used idle model is unloaded to make room.
   */
  TF_INFERENCE_MEMORY_BUDGET_BYTES: z.coerce.number().int().min(1).default(8 * GiB),
  /** Sequences decoded together per model (continuous batching: a request joins at the next step). */
  TF_INFERENCE_MAX_SEQUENCES: z.coerce.number().int().min(1).max(256).default(16),
  /** Tokens (prompt + generated) one sequence may hold; also capped by the model's max_position_embeddings. */
  TF_INFERENCE_MAX_CONTEXT: z.coerce.number().int().min(16).default(4096),
  /** The largest `max_tokens` / `max_completion_tokens` a request may ask for. */
  TF_INFERENCE_MAX_TOKENS: z.coerce.number().int().min(1).default(4096),
  /** The largest `n` (choices per request). */
  TF_INFERENCE_MAX_N: z.coerce.number().int().min(1).max(128).default(8),
  /** Engine threads per model; 0 lets the engine choose. */
  TF_INFERENCE_THREADS: z.coerce.number().int().min(0).default(0),
});

export type InferenceConfig = z.infer<typeof inferenceEnvSchema>;
