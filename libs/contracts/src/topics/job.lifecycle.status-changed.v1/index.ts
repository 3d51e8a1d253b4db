import { z } from 'zod';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

export const JOB_STATUSES = ['validating_files', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * A job moved to another status (OpenAI's names). `succeeded` carries the fine-tuned model (prefix of the
 * merged model artifact) and result files; `failed` its error in OpenAI's `{ code, message, param }` shape.
 */
export const jobLifecycleStatusChangedV1 = defineTopic(
  'job.lifecycle.status-changed.v1',
  z
    .object({
      jobId: keySafeIdSchema,
      status: z.enum(JOB_STATUSES),
      fine_tuned_model: z.string().min(1).nullable().default(null),
      result_files: z.array(z.string().min(1)).max(64).default([]),
      /** Tokens trained on over every iteration's run (OpenAI's `trained_tokens`), once the job succeeded. */
      trained_tokens: z.number().int().nonnegative().nullable().default(null),
      error: z.object({ code: z.string().min(1), message: z.string().min(1).max(4000), param: z.string().nullable() }).strict().nullable().default(null),
      /** Unix seconds. */
      changed_at: z.number().int().nonnegative(),
    })
    .strict(),
  { partitions: 6 },
);
