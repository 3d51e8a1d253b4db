import { z } from 'zod';

/**
 * How a reinforcement run trains (`training.grpo`, Tuneforge's own: OpenAI's `method.reinforcement` names none of it;
 * set through `tuneforge.config`). Absent fields take `DEFAULT_GRPO_CONFIG`; see docs/reinforcement.md.
 *
 * - `numChains`: episodes per prompt (the GRPO group). Absent: 4 × the job's `computeMultiplier`, at least 2.
 * - `maxTurns`: model generations per episode; `maxNewTokens`: tokens per generation; `temperature`: sampling.
 * - `beta`: the KL penalty to the starting model (0, TRL's default: no reference pass).
 * - `epsilonLow` / `epsilonHigh`: the clipping bounds of the importance ratio (TRL 0.2 / DAPO's 0.28).
 * - `aggregation`: how token losses are averaged: `token` (DAPO, default), `sequence` (GRPO paper), `dr_grpo`.
 * - `rewardScaling`: `group` (divide by the group's std), `batch`, `none` (Dr. GRPO).
 * - `passThreshold`: a validation episode passes when its score reaches this (the pass rate of eval steps).
 * - `numIterations`: optimizer updates per batch of rollouts (TRL's `num_iterations`, GRPO's μ); each batch then
 *   counts as that many steps, and updates after the first clip the ratio against the rollout-time policy.
 */
export const GRPO_AGGREGATION_SETTINGS = ['token', 'sequence', 'dr_grpo'] as const;
export const GRPO_REWARD_SCALINGS = ['group', 'batch', 'none'] as const;

export const grpoConfigSchema = z
  .object({
    numChains: z.number().int().min(2).max(64).optional(),
    maxTurns: z.number().int().min(1).max(64),
    maxNewTokens: z.number().int().min(1).max(32768),
    temperature: z.number().positive().max(2),
    beta: z.number().min(0).max(10),
    epsilonLow: z.number().min(0).lt(1),
    epsilonHigh: z.number().min(0).max(10),
    aggregation: z.enum(GRPO_AGGREGATION_SETTINGS),
    rewardScaling: z.enum(GRPO_REWARD_SCALINGS),
    passThreshold: z.number(),
    numIterations: z.number().int().min(1).max(16),
  })
  .partial()
  .strict();
export type GrpoConfig = z.infer<typeof grpoConfigSchema>;

export type ResolvedGrpoConfig = Required<GrpoConfig>;

export const DEFAULT_GRPO_CONFIG: Omit<ResolvedGrpoConfig, 'numChains'> = {
  maxTurns: 4,
  maxNewTokens: 256,
  temperature: 1,
  beta: 0,
  epsilonLow: 0.2,
  epsilonHigh: 0.28,
  aggregation: 'token',
  rewardScaling: 'group',
  passThreshold: 1,
  numIterations: 1,
};

/** Chains per prompt from OpenAI's `compute_multiplier` (exploration per prompt): 4 at 1, at least 2. */
export function chainsOfComputeMultiplier(computeMultiplier: number): number {
  return Math.min(64, Math.max(2, Math.round(4 * computeMultiplier)));
}

/** `training.grpo` with every default filled in. */
export function resolveGrpoConfig(grpo: GrpoConfig | undefined, computeMultiplier = 1): ResolvedGrpoConfig {
  return { ...DEFAULT_GRPO_CONFIG, numChains: chainsOfComputeMultiplier(computeMultiplier), ...grpo } as ResolvedGrpoConfig;
}
