import { z } from 'zod';
import { inputErrorSchema } from '../../input-error-schema';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

/** At most this many errors travel in the event; the rest are counted (the message stays small). */
export const MAX_PREPARATION_ERRORS = 100;

/** One thing wrong with an input, precise enough to fix the file without guessing. */
export const preparationErrorSchema = inputErrorSchema({
  file: z.string(),
  /** 1-based physical line; absent when the error concerns the whole file. */
  line: z.number().int().positive().optional(),
  /** 1-based CSV data row. */
  row: z.number().int().positive().optional(),
});

const countsSchema = z
  .object({
    /** Records read from the uploaded files (valid ones). */
    inputRecords: z.number().int().nonnegative(),
    syntheticRecords: z.number().int().nonnegative(),
    trainRecords: z.number().int().nonnegative(),
    validationRecords: z.number().int().nonnegative(),
  })
  .strict();

/** Multi-file artifacts (committed by manifest) in the tenant's store, by prefix. */
const artifactsSchema = z
  .object({
    /** `train.jsonl` and `validation.jsonl`, normalized OpenAI chat (or preference, or prompt/completion) JSONL. */
    dataset: z.string().min(1),
    /** `report.json` and `report.html`. */
    report: z.string().min(1),
  })
  .strict();

/** Datagen's answer to a `data.preparation.requested.v1` task, correlated by task id. */
export const dataPreparationCompletedV1 = defineTopic(
  'data.preparation.completed.v1',
  z.discriminatedUnion('status', [
    z
      .object({
        taskId: keySafeIdSchema,
        jobId: keySafeIdSchema,
        status: z.literal('succeeded'),
        artifacts: artifactsSchema,
        counts: countsSchema,
      })
      .strict(),
    z
      .object({
        taskId: keySafeIdSchema,
        jobId: keySafeIdSchema,
        status: z.literal('failed'),
        errors: z.array(preparationErrorSchema).min(1).max(MAX_PREPARATION_ERRORS),
        /** All errors found, including those not listed. */
        errorCount: z.number().int().positive(),
      })
      .strict(),
  ]),
  { partitions: 6 },
);

export type PreparationError = z.infer<typeof preparationErrorSchema>;
