import { z } from 'zod';
import type { JobConfig } from './job-config.schema';

/**
 * What one job may ask of the deployment, set by its operator (the gateway's TF_JOB_LIMITS, JSON; absent keys
 * keep these defaults). The config schema says what is *valid*; these say what this deployment *allows*: a
 * batch size, a synthesis run on the operator's LLM key or an evaluation set can be valid and still cost the
 * operator far more than a tenant should be able to ask for in one request.
 */
export const jobLimitsSchema = z
  .object({
    maxBatchSize: z.number().int().min(1).default(256),
    maxMicroBatchSize: z.number().int().min(1).default(32),
    maxSequenceLength: z.number().int().min(16).default(8192),
    maxEpochs: z.number().int().min(1).default(50),
    /** Checkpoints are written every `checkpointEverySteps` steps: at least this many steps apart. */
    minCheckpointEverySteps: z.number().int().min(1).default(1),
    /** A run keeps at most this many checkpoints (plus its best): what one job may hold in the store. */
    maxKeptCheckpoints: z.number().int().min(1).default(10),
    maxLoraRank: z.number().int().min(1).default(256),
    maxSynthesisSamples: z.number().int().min(0).default(5000),
    maxEvaluationExamples: z.number().int().min(1).default(1000),
    maxNewTokens: z.number().int().min(1).default(2048),
    maxAgentTurns: z.number().int().min(1).default(16),
    maxIterations: z.number().int().min(1).default(10),
  })
  .strict();

export type JobLimits = z.infer<typeof jobLimitsSchema>;

export const DEFAULT_JOB_LIMITS: JobLimits = jobLimitsSchema.parse({});

/** A config value over the deployment's limit: the config path and what the limit is. */
export interface JobLimitExceeded {
  path: string;
  message: string;
}

/** The first value of `config` beyond `limits`, or undefined when the job fits. */
export function exceededJobLimit(config: JobConfig, limits: JobLimits): JobLimitExceeded | undefined {
  const checks: Array<[string, number, number, 'max' | 'min']> = [
    ['training.batchSize', config.training.batchSize, limits.maxBatchSize, 'max'],
    ['training.microBatchSize', config.training.microBatchSize, limits.maxMicroBatchSize, 'max'],
    ['data.maxSequenceLength', config.data.maxSequenceLength, limits.maxSequenceLength, 'max'],
    ['training.epochs', config.training.epochs, limits.maxEpochs, 'max'],
    ['training.checkpointEverySteps', config.training.checkpointEverySteps, limits.minCheckpointEverySteps, 'min'],
    ['training.keepCheckpoints', config.training.keepCheckpoints, limits.maxKeptCheckpoints, 'max'],
    ['training.lora.rank', config.training.lora.rank, limits.maxLoraRank, 'max'],
    ['synthesis.samples', config.synthesis.enabled ? config.synthesis.samples : 0, limits.maxSynthesisSamples, 'max'],
    ['evaluation.maxExamples', config.evaluation.maxExamples, limits.maxEvaluationExamples, 'max'],
    ['evaluation.maxNewTokens', config.evaluation.maxNewTokens, limits.maxNewTokens, 'max'],
    ['evaluation.agentTurnLimit', config.evaluation.agentTurnLimit, limits.maxAgentTurns, 'max'],
    ['iterations.max', config.iterations.max, limits.maxIterations, 'max'],
  ];
  for (const [path, value, limit, kind] of checks) {
    if (kind === 'max' ? value > limit : value < limit)
      return { path, message: `${value} is ${kind === 'max' ? 'over' : 'under'} this deployment's limit of ${limit} (${kind === 'max' ? 'at most' : 'at least'} ${limit}; set by its operator)` };
  }
  return undefined;
}
