import { z } from 'zod';
import { jobConfigSchema } from '../../config/job-config.schema';
import { defineTopic } from '../../topic';
import { functionToolSchema } from '../../tools/function-tool.schema';
import { keySafeIdSchema } from '../data.preparation.requested.v1';
import { curvePointSchema } from '../diagnosis.run.requested.v1';
import { graderSchema } from '../../graders/grader.schema';

const tenantKeySchema = z.string().min(1).max(1024);

/** A tool response the evaluation loop returns when the model calls `tool` with matching arguments. */
export const toolFixtureSchema = z
  .object({
    tool: z.string().min(1).max(64),
    /** Arguments to match (every given key equal); absent: any call of the tool. */
    arguments: z.record(z.string(), z.unknown()).optional(),
    response: z.string().max(100_000),
  })
  .strict();

/**
 * The orchestrator asks the evaluator to compare the base and the fine-tuned model on the same prompts
 * with the same decoding. Answer: `evaluation.run.completed.v1` with the same task id.
 */
export const evaluationRunRequestedV1 = defineTopic(
  'evaluation.run.requested.v1',
  z
    .object({
      taskId: keySafeIdSchema,
      jobId: keySafeIdSchema,
      /** 1-based iteration of the job's loop this evaluation belongs to. */
      iteration: z.number().int().min(1),
      /** Model directories (key prefixes in the tenant's store): the base model and the merged fine-tuned one. */
      baseModel: tenantKeySchema,
      tunedModel: tenantKeySchema,
      /** Prepared dataset prefix (datagen's `validation.jsonl` is the evaluation set unless `evaluationFile` is given). */
      dataset: tenantKeySchema,
      /** An uploaded evaluation file (tenant key), read like a training file. */
      evaluationFile: tenantKeySchema.optional(),
      tools: z.array(functionToolSchema).max(128).default([]),
      toolFixtures: z.array(toolFixtureSchema).max(10_000).default([]),
      taskDescription: z.string().max(20_000).optional(),
      /** Retrieval index artifact (for the retrieval tool), when the job has documents. */
      retrievalIndex: tenantKeySchema.optional(),
      settings: jobConfigSchema.shape.evaluation,
      maxSequenceLength: z.number().int().min(16),
      /** The fine-tuned model's training curve (loss per step, validation losses at checkpoints), charted in the report. */
      curve: z.array(curvePointSchema).max(20_000).default([]),
      /**
       * A DPO job: its evaluation set's preference pairs are scored with this beta (the job's
       * `training.dpo.beta`; pairs in a set of another job are scored with 0.1).
       */
      preference: z.object({ beta: z.number().positive() }).strict().optional(),
      /**
       * A reinforcement job: its held-out tasks (reinforcement lines) are run as one greedy episode each with both
       * models and scored by the job's grader (`reward_mean`, `pass_rate`); the run's recorded rollouts (a prefix of
       * `step-<n>.jsonl` files) are shown in the report.
       */
      reinforcement: z
        .object({
          grader: graderSchema,
          maxTurns: z.number().int().min(1).max(64),
          maxNewTokens: z.number().int().min(1).max(32768),
          passThreshold: z.number(),
          rollouts: tenantKeySchema.optional(),
        })
        .strict()
        .optional(),
      /** Cap on evaluated examples (the first ones, in file order). */
      maxExamples: z.number().int().min(1).max(100_000).default(200),
    })
    .strict(),
  { partitions: 6 },
);

export type ToolFixture = z.infer<typeof toolFixtureSchema>;
