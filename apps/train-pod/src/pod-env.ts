import { z } from 'zod';

/**
 * The pod's environment besides storage (`TF_STORAGE_DRIVER`, `TF_S3_*`, `TF_ARTIFACT_DIR`: with MinIO, keys the
 * trainer minted for this run, `TF_S3_SESSION_TOKEN` included, read by libs/storage) and Kafka credentials
 * (`TF_KAFKA_SASL_USERNAME` / `_PASSWORD`: the training pods' user, read by libs/messaging). docs/security.md.
 */
export const podEnvSchema = z.object({
  /** The run spec, JSON (`podRunSpecSchema` in `@tuneforge/contracts`). */
  TF_TRAINING_RUN: z.string().min(2),
  /** `kafka`: publish and read control on Kafka itself; `ipc`: through the parent (the trainer) over the Node IPC channel. */
  TF_POD_BUS: z.enum(['kafka', 'ipc']).default('kafka'),
  TF_KAFKA_BROKERS: z.string().optional(),
  TF_POD_PROGRESS_EVERY: z.coerce.number().int().min(1).default(1),
  /** Engine worker threads; 0 = all cores. */
  TF_POD_THREADS: z.coerce.number().int().min(0).default(0),
  TF_POD_INSTANCE_ID: z.string().optional(),
  /**
   * Reinforcement runs: the OpenAI-compatible endpoint model graders (score_model, logit, cosine similarity) call, and
   * its key. Without it those graders fail the run; string_check, text_similarity, multi, tool_call and task_success need none.
   */
  TF_GRADER_BASE_URL: z.string().url().optional(),
  TF_GRADER_API_KEY: z.string().optional(),
  /**
   * Reinforcement rollouts: HTTP tools the operator allows, JSON `[{name, url, description?, parameters?}]`; a dataset
   * line's tool of that name is called there (arguments POSTed as JSON). Each URL must be on TF_ROLLOUT_HTTP_HOSTS
   * (comma-separated `host` or `host:port`), checked when the run starts.
   */
  TF_ROLLOUT_HTTP_TOOLS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (!raw) return [];
      try {
        const tools = JSON.parse(raw) as unknown;
        if (Array.isArray(tools) && tools.every((t) => t && typeof t.name === 'string' && typeof t.url === 'string')) return tools as Array<{ name: string; url: string; description?: string; parameters?: Record<string, unknown> }>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a JSON array of {name, url, description?, parameters?}' });
      return z.NEVER;
    }),
  TF_ROLLOUT_HTTP_HOSTS: z
    .string()
    .optional()
    .transform((raw) => (raw ?? '').split(',').map((h) => h.trim()).filter(Boolean)),
});

export type PodEnv = z.infer<typeof podEnvSchema>;
