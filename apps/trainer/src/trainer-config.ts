import { resolve } from 'node:path';
import { z } from 'zod';

/** Where the workspace (and so the train-pod program) lives when the trainer runs from source. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

const jsonObjectOfStrings = z
  .string()
  .transform((text, ctx) => {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) return value as Record<string, string>;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object of string values' });
    return z.NEVER;
  });

/** The trainer's own environment (besides the kit's); the pod inherits the trainer's storage and Kafka settings. */
export const trainerEnvSchema = z.object({
  /** The train-pod entry point, run with `node -r @swc-node/register`. */
  TF_TRAIN_POD_ENTRY: z.string().min(1).default(resolve(WORKSPACE_ROOT, 'apps/train-pod/src/run-training.ts')),
  /** Engine threads per pod; 0 = all cores. */
  TF_TRAIN_POD_THREADS: z.coerce.number().int().min(0).default(0),
  TF_TRAIN_POD_PROGRESS_EVERY: z.coerce.number().int().min(1).default(1),
  /** Launches of one run in all: a pod that dies without concluding is started again (it resumes) until then. */
  TF_TRAIN_POD_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(2),
  /** Extra environment for pods, as a JSON object (the storage and Kafka settings when they differ from the trainer's own). */
  TF_TRAIN_POD_ENV: jsonObjectOfStrings.optional(),
  /** Forward the pods' stdout and stderr to the trainer's (otherwise only the tail is kept, for errors). */
  TF_TRAIN_POD_LOGS: z.enum(['true', 'false']).default('false'),
});

export type TrainerConfig = z.infer<typeof trainerEnvSchema>;

/** The kit parses the environment in distributed mode; embedded callers and tests may hand over anything. */
export function resolveTrainerConfig(raw: unknown): TrainerConfig {
  const input = Object.fromEntries(
    Object.entries((raw ?? {}) as Record<string, unknown>).map(([k, v]) => [k, k === 'TF_TRAIN_POD_ENV' && v && typeof v === 'object' ? JSON.stringify(v) : v]),
  );
  return trainerEnvSchema.parse(input);
}
