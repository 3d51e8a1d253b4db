import { z } from 'zod';
import { jobConfigSchema } from '../../config/job-config.schema';
import { evaluationSummarySchema } from '../../evaluation/evaluation-summary.schema';
import { defineTopic } from '../../topic';
import { functionToolSchema } from '../../tools/function-tool.schema';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

const tenantKeySchema = z.string().min(1).max(1024);

/** One point of a loss curve; `validationLoss` only on steps where the pod measured it. */
export const curvePointSchema = z
  .object({
    step: z.number().int().positive(),
    loss: z.number().nullable(),
    learningRate: z.number().nonnegative(),
    gradNorm: z.number().nonnegative().nullable().optional(),
    validationLoss: z.number().nullable().optional(),
    /**
     * A reinforcement run's step: the rollouts' mean and std reward, the KL to the starting model, the groups whose
     * episodes all scored the same out of the step's groups, and the mean tokens generated per episode.
     */
    reward: z
      .object({
        mean: z.number(),
        std: z.number().nonnegative(),
        kl: z.number(),
        zeroStdGroups: z.number().int().nonnegative(),
        groups: z.number().int().positive(),
        generatedTokens: z.number().nonnegative(),
        /** At the steps that measured it (every evalInterval): the held-out episodes' mean reward and pass rate. */
        validMean: z.number().optional(),
        validPassRate: z.number().min(0).max(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * The orchestrator asks the debugger why an iteration is not good enough. Everything the debugger reads is
 * named here: the training curve (in order, at most a few thousand points), the data report and the
 * evaluation. Answer: `diagnosis.run.completed.v1` with the same task id.
 */
export const diagnosisRunRequestedV1 = defineTopic(
  'diagnosis.run.requested.v1',
  z
    .object({
      taskId: keySafeIdSchema,
      jobId: keySafeIdSchema,
      iteration: z.number().int().min(1),
      config: jobConfigSchema,
      tools: z.array(functionToolSchema).max(128).default([]),
      curve: z.array(curvePointSchema).max(20_000),
      totalSteps: z.number().int().positive(),
      /** Datagen's report prefix (`report.json`). */
      dataReport: tenantKeySchema,
      /** Prepared dataset prefix (`train.jsonl`, `validation.jsonl`), for rules that read samples. */
      dataset: tenantKeySchema,
      evaluation: z.object({ summary: evaluationSummarySchema, report: tenantKeySchema }).strict().nullable(),
    })
    .strict(),
  { partitions: 6 },
);

export type CurvePoint = z.infer<typeof curvePointSchema>;
