import { resolve } from 'node:path';
import { z } from 'zod';

/** Where the workspace (and so the train-pod program) lives when the trainer runs from source. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

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

/**
 * The trainer's own environment (besides the kit's). A local pod opens the trainer's own artifact store and
 * inherits its Kafka settings; a Kubernetes Job's pod reads both from the template's ConfigMap and Secret.
 */
export const trainerEnvSchema = z.object({
  /** The train-pod entry point, run with `node -r @swc-node/register`. */
  TF_TRAIN_POD_ENTRY: z.string().min(1).default(resolve(WORKSPACE_ROOT, 'apps/train-pod/src/run-training.ts')),
  /** Engine threads per pod; 0 = all cores. */
  TF_TRAIN_POD_THREADS: z.coerce.number().int().min(0).default(0),
  TF_TRAIN_POD_PROGRESS_EVERY: z.coerce.number().int().min(1).default(1),
  /** Launches of one run in all: a pod that dies without concluding is started again (it resumes) until then. */
  TF_TRAIN_POD_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(2),
  /** Extra environment for pods, as a JSON object (the storage and Kafka settings where a pod must reach them otherwise than the trainer does). */
  TF_TRAIN_POD_ENV: jsonObjectOfStrings.optional(),
  /**
   * How long a local pod's minted storage credentials last (a MinIO store; Kubernetes Jobs use their deadline,
   * TF_TRAIN_JOB_DEADLINE_SECONDS or the template's, instead). A run still going then fails on its next storage
   * request with an error that says so; its relaunch gets new ones. 900 s to 365 days (MinIO's bounds).
   */
  TF_TRAIN_POD_CREDENTIAL_SECONDS: z.coerce.number().int().min(900).max(31_536_000).default(86_400),
  /** Forward the pods' stdout and stderr to the trainer's (otherwise only the tail is kept, for errors). */
  TF_TRAIN_POD_LOGS: z.enum(['true', 'false']).default('false'),

  /** Where pods run: `local` child processes, or `kubernetes` Jobs (distributed mode: the pods talk to Kafka). */
  TF_TRAIN_LAUNCHER: z.enum(['local', 'kubernetes']).default('local'),
  /** Namespace of the training Jobs (the Deployment sets the trainer's own). */
  TF_TRAINING_NAMESPACE: z.string().regex(dnsLabel, 'must be a DNS-1123 label (lowercase letters, digits, -)').default('tuneforge'),
  /** The training Job template file (the mounted ConfigMap); unset: the template shipped with the trainer. */
  TF_TRAINING_JOB_TEMPLATE: z.string().min(1).optional(),
  /** The training pod image; unset: the template's. */
  TF_TRAIN_POD_IMAGE: z.string().min(1).optional(),
  /** `nvidia.com/gpu` of each training pod. */
  TF_TRAIN_POD_GPUS: z.coerce.number().int().min(1).max(16).default(1),
  /** Replaces the template's node selector, as a JSON object. */
  TF_TRAIN_JOB_NODE_SELECTOR: jsonObjectOfStrings.optional(),
  /** Overrides the template's service account. */
  TF_TRAIN_JOB_SERVICE_ACCOUNT: z.string().regex(dnsLabel, 'must be a DNS-1123 label').optional(),
  /** Override the template's `activeDeadlineSeconds` / `ttlSecondsAfterFinished`. */
  TF_TRAIN_JOB_DEADLINE_SECONDS: z.coerce.number().int().min(60).optional(),
  TF_TRAIN_JOB_TTL_SECONDS: z.coerce.number().int().min(0).optional(),
  /** How often the trainer reads a running training Job's status. */
  TF_TRAIN_JOB_POLL_MS: z.coerce.number().int().min(10).default(5000),
  /** A training Job with no running pod after this long (image pull, missing Secret, no GPU node) is deleted and fails. */
  TF_TRAIN_JOB_START_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(1800),
});

export type TrainerConfig = z.infer<typeof trainerEnvSchema>;

const JSON_OBJECT_VARIABLES = new Set(['TF_TRAIN_POD_ENV', 'TF_TRAIN_JOB_NODE_SELECTOR']);

/** The kit parses the environment in distributed mode; embedded callers and tests may hand over anything. */
export function resolveTrainerConfig(raw: unknown): TrainerConfig {
  const input = Object.fromEntries(
    Object.entries((raw ?? {}) as Record<string, unknown>).map(([k, v]) => [k, JSON_OBJECT_VARIABLES.has(k) && v && typeof v === 'object' ? JSON.stringify(v) : v]),
  );
  return trainerEnvSchema.parse(input);
}
