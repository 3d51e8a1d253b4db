import { z } from 'zod';
import { jobConfigSchema } from '../../config/job-config.schema';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

/** A key in the tenant's own artifact store (tenant-relative: the tenant comes from the envelope). */
const tenantKeySchema = z.string().min(1).max(1024);

/**
 * The orchestrator asks the trainer to run one training: a base model directory registered in the store
 * (a multi-file artifact committed by manifest), the prepared dataset artifact(s) datagen wrote, and the
 * job config's training section. The envelope's correlation id is the job id, its tenant owns every key.
 * The trainer answers with progress, checkpoints and, once, `training.run.completed.v1` with the same run id.
 */
export const trainingRunRequestedV1 = defineTopic(
  'training.run.requested.v1',
  z
    .object({
      /** Identifies this run; artifacts derive from it, so a re-sent request finds the run's checkpoints. */
      runId: keySafeIdSchema,
      jobId: keySafeIdSchema,
      /** Prefix of the base model artifact (config.json, safetensors, tokenizer files). */
      baseModel: tenantKeySchema,
      /** Prefixes of prepared dataset artifacts (each with `train.jsonl`, optionally `validation.jsonl`). */
      datasets: z.array(tenantKeySchema).min(1).max(16),
      training: jobConfigSchema.shape.training,
      /** Tokens per packed row (the job config's `data.maxSequenceLength`). */
      maxSequenceLength: z.number().int().min(8).max(131072).default(2048),
      /** Continue from this committed checkpoint artifact instead of the run's own latest one. */
      resumeFrom: tenantKeySchema.optional(),
      /**
       * The job config's `data.packing`: true packs several samples into each row of `maxSequenceLength`
       * tokens; false trains one sample per row, padded to the longest row of its micro-batch. Absent = true.
       */
      packing: jobConfigSchema.shape.data.shape.packing.optional(),
      /**
       * The job config's `data.agentTokens`: the ReAct step markers become single added tokens (new embedding
       * rows) before tokenization, and the merged export's tokenizer carries them. Absent = false.
       */
      agentTokens: jobConfigSchema.shape.data.shape.agentTokens.optional(),
      /** The job's retrieval index (a reinforcement run's episodes search its documents with a `search` tool). */
      retrievalIndex: tenantKeySchema.optional(),
      /** The job config's `model.dtype`: the weight dtype of the merged export. Absent = the base model's own. */
      dtype: z.enum(['f32', 'bf16', 'f16']).optional(),
    })
    .strict(),
  { partitions: 6 },
);
