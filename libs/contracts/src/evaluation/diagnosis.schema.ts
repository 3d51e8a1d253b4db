import { z } from 'zod';

/**
 * One thing the debugger found wrong with an iteration, with the evidence it read and a concrete change
 * that should fix it. Findings are ranked by `score` (higher first); a healthy run has none.
 */
export const FINDING_CODES = [
  'overfitting',
  'underfitting',
  'divergence',
  'non_finite_loss',
  'learning_rate_too_high',
  'learning_rate_too_low',
  'missing_observation_stop',
  'predicted_observation',
  'tool_imbalance',
  'static_tool_set',
  'too_few_samples_per_tool',
  'truncation',
  'weak_tool',
  'reward_collapse',
  'kl_blowup',
  'no_reward_signal',
  'length_hacking',
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

/**
 * A change to the job: `config` is a JSON merge patch (RFC 7386) on the job configuration
 * (`configs/default_config.json` shape); the next iteration runs with the patched config, validated again.
 */
export const jobPatchSchema = z
  .object({
    description: z.string().min(1).max(2000),
    config: z.record(z.string(), z.unknown()),
  })
  .strict();

export const findingSchema = z
  .object({
    code: z.enum(FINDING_CODES),
    severity: z.enum(['critical', 'high', 'medium', 'low']),
    /** Rank: higher is more important (severity and how far past its threshold the evidence is). */
    score: z.number(),
    title: z.string().min(1).max(500),
    /** The numbers the finding rests on (curve points, counts, rates, metric values, sample ids). */
    evidence: z.record(z.string(), z.unknown()),
    patch: jobPatchSchema,
  })
  .strict();

export type JobPatch = z.infer<typeof jobPatchSchema>;
export type Finding = z.infer<typeof findingSchema>;
