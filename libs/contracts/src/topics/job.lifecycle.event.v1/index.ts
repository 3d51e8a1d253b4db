import { z } from 'zod';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

export const JOB_EVENT_LEVELS = ['info', 'warn', 'error'] as const;

/**
 * One job event in OpenAI's `fine_tuning.job.event` shape; the gateway lists and streams them. `id` is a
 * pure function of what the event reports, so an event published twice is one event to every reader.
 */
export const jobLifecycleEventV1 = defineTopic(
  'job.lifecycle.event.v1',
  z
    .object({
      jobId: keySafeIdSchema,
      id: z.string().min(1).max(200),
      level: z.enum(JOB_EVENT_LEVELS),
      message: z.string().min(1).max(4000),
      /** `metrics` events carry a training step's numbers in `data`. */
      type: z.enum(['message', 'metrics']),
      data: z.record(z.string(), z.unknown()).nullable(),
      /** Unix seconds. */
      created_at: z.number().int().nonnegative(),
    })
    .strict(),
  { partitions: 6, retentionMs: 30 * 24 * 60 * 60 * 1000 },
);
