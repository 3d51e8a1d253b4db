import { z } from 'zod';
import { jobConfigSchema } from '../../config/job-config.schema';
import { findingSchema, jobPatchSchema } from '../../evaluation/diagnosis.schema';
import { evaluationSummarySchema } from '../../evaluation/evaluation-summary.schema';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

export const ITERATION_STAGES = ['trained', 'evaluated', 'diagnosed', 'concluded'] as const;
export type IterationStage = (typeof ITERATION_STAGES)[number];

/** How an iteration ended: its model kept as the job's result, or a patch that starts the next iteration. */
export const ITERATION_DECISIONS = ['accepted', 'patched', 'patch_rejected', 'no_findings', 'budget_exhausted', 'diagnosis_failed'] as const;

const stages = {
  trained: z
    .object({
      config: jobConfigSchema,
      dataset: z.string().min(1),
      dataReport: z.string().min(1),
      runId: keySafeIdSchema,
      model: z.string().min(1),
      adapter: z.string().min(1).nullable(),
      steps: z.number().int().positive(),
      finalLoss: z.number(),
    })
    .strict(),
  evaluated: z.object({ summary: evaluationSummarySchema, report: z.string().min(1) }).strict(),
  diagnosed: z.object({ findings: z.array(findingSchema), explanation: z.string().nullable() }).strict(),
  concluded: z.object({ decision: z.enum(ITERATION_DECISIONS), patch: jobPatchSchema.nullable() }).strict(),
};

/**
 * What the orchestrator records of each iteration of a job's loop, stage by stage, so that a user sees
 * what each iteration ran with, what it measured and what was changed for the next. One message per
 * (job, iteration, stage); the gateway keeps them as the job's iterations.
 */
export const jobIterationRecordedV1 = defineTopic(
  'job.iteration.recorded.v1',
  z.discriminatedUnion('stage', [
    z.object({ jobId: keySafeIdSchema, iteration: z.number().int().min(1), stage: z.literal('trained'), record: stages.trained }).strict(),
    z.object({ jobId: keySafeIdSchema, iteration: z.number().int().min(1), stage: z.literal('evaluated'), record: stages.evaluated }).strict(),
    z.object({ jobId: keySafeIdSchema, iteration: z.number().int().min(1), stage: z.literal('diagnosed'), record: stages.diagnosed }).strict(),
    z.object({ jobId: keySafeIdSchema, iteration: z.number().int().min(1), stage: z.literal('concluded'), record: stages.concluded }).strict(),
  ]),
  { partitions: 6 },
);
