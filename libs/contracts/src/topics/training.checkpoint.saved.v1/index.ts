import { z } from 'zod';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

/** OpenAI's fine-tuning checkpoint `metrics` object (snake_case on purpose: it is served as is). */
export const checkpointMetricsSchema = z
  .object({
    step: z.number().int().positive(),
    train_loss: z.number(),
    train_mean_token_accuracy: z.number().min(0).max(1).optional(),
    valid_loss: z.number().optional(),
    valid_mean_token_accuracy: z.number().min(0).max(1).optional(),
    full_valid_loss: z.number().optional(),
    full_valid_mean_token_accuracy: z.number().min(0).max(1).optional(),
  })
  .strict();

/** A checkpoint of a run, committed (by manifest) in the tenant's store: the engine's resumable trainer state. */
export const trainingCheckpointSavedV1 = defineTopic(
  'training.checkpoint.saved.v1',
  z
    .object({
      runId: keySafeIdSchema,
      jobId: keySafeIdSchema,
      step: z.number().int().positive(),
      /** Prefix of the multi-file checkpoint artifact. */
      artifact: z.string().min(1).max(1024),
      metrics: checkpointMetricsSchema,
      /**
       * Earlier checkpoints of this run that retention deleted when this one committed (the run's
       * `keepCheckpoints`): consumers forget their rows and model names. Carried here rather than on a topic of
       * its own so that it is read after the saved messages of those steps (same topic, same key).
       */
      retiredSteps: z.array(z.number().int().positive()).max(10_000).optional(),
    })
    .strict(),
  { partitions: 6 },
);

export type CheckpointMetrics = z.infer<typeof checkpointMetricsSchema>;
