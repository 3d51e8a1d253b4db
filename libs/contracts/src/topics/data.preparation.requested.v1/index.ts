import { z } from 'zod';
import { jobConfigSchema, TRAINING_OBJECTIVES } from '../../config/job-config.schema';
import { defineTopic } from '../../topic';
import { functionToolSchema } from '../../tools/function-tool.schema';

/** Ids that become artifact key segments: no `/`, no `.` or `..`, nothing a store would refuse. */
export const keySafeIdSchema = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$/, '1-128 letters, digits, _ or -, starting with a letter or digit');

/** A key in the tenant's own artifact store (tenant-relative: the tenant comes from the envelope). */
const tenantKeySchema = z.string().min(1).max(1024);

/**
 * The orchestrator asks datagen to turn a job's uploaded files into a prepared dataset: validate,
 * normalize, synthesize when asked, split, report. The envelope's correlation id is the job id and its
 * tenant owns the files; the answer is `data.preparation.completed.v1` with the same task id.
 */
export const dataPreparationRequestedV1 = defineTopic(
  'data.preparation.requested.v1',
  z
    .object({
      /** Identifies this preparation task; a task re-sent after a crash keeps it, and so finds its own artifacts. */
      taskId: keySafeIdSchema,
      jobId: keySafeIdSchema,
      files: z.object({ training: tenantKeySchema, validation: tenantKeySchema.optional() }).strict(),
      data: jobConfigSchema.shape.data,
      synthesis: jobConfigSchema.shape.synthesis,
      /**
       * The job's `training.objective`: `dpo` needs preference pairs (each tokenized here with the job's
       * tokenizer as the pod will), `sft` refuses them. Absent: `sft`.
       */
      objective: z.enum(TRAINING_OBJECTIVES).optional(),
      tools: z.array(functionToolSchema).max(128).default([]),
      taskDescription: z.string().max(20_000).optional(),
      /**
       * A tokenizer for the quality report's token lengths and truncation rate at `data.maxSequenceLength`:
       * a key prefix in the tenant's store holding `tokenizer.json` and `tokenizer_config.json` (and
       * optionally `chat_template.jinja`), as a model directory is laid out. Absent: no token statistics.
       */
      tokenizer: tenantKeySchema.optional(),
      /**
       * Retrieval augmentation: each sample gets the `k` passages of a retrieval index (the prefix of a
       * `retrieval-index` artifact in the tenant's store, as `retrieval.index.completed.v1` names it) that
       * best match its user turns, as context in its system message (prepended to the prompt of a
       * prompt/completion sample). Absent: samples are left as they are.
       */
      retrieval: z
        .object({
          index: tenantKeySchema,
          k: z.number().int().min(1).max(20).default(3),
          placement: z.enum(['system']).default('system'),
        })
        .strict()
        .optional(),
    })
    .strict(),
  { partitions: 6 },
);
