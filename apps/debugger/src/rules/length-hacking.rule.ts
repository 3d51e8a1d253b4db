import type { Finding } from '@tuneforge/contracts';
import { resolveGrpoConfig } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { earlyAndLate, MIN_REWARD_POINTS, rewardPoints } from './reward-curve';
import { round, score } from './rule';

/** Episodes this many times longer at the end than at the start... */
export const LENGTH_GROWTH = 2;
/** ...while the mean reward gained less than this: the length bought nothing the grader values. */
export const MIN_REWARD_GAIN = 0.05;

/**
 * Length hacking: generated tokens per episode grew LENGTH_GROWTH-fold while the reward stayed flat — the policy
 * learned to write more, not better (a per-sequence loss average favours long failing answers; a grader that
 * rewards length invites it). The patch switches a `sequence` aggregation to `token` (DAPO's, without the length
 * bias) and otherwise caps generation at twice the early episode length.
 */
export function lengthHackingRule(input: DiagnosisInput): Finding | null {
  const points = rewardPoints(input.curve);
  if (points.length < MIN_REWARD_POINTS) return null;
  const length = earlyAndLate(points, (p) => p.generatedTokens);
  const reward = earlyAndLate(points, (p) => p.mean);
  if (!(length.early > 0) || length.late < LENGTH_GROWTH * length.early || reward.late - reward.early >= MIN_REWARD_GAIN) return null;
  const grpo = resolveGrpoConfig(input.config.training.grpo, input.config.training.reinforcement?.computeMultiplier);
  const growth = length.late / length.early;
  const cap = Math.max(16, Math.ceil((2 * length.early) / grpo.maxTurns));
  const patch =
    grpo.aggregation === 'sequence'
      ? { description: `Average the loss per token (aggregation sequence -> token), which removes the per-sequence length bias.`, config: { training: { grpo: { aggregation: 'token' } } } }
      : { description: `Cap generation at ${cap} tokens a turn (was ${grpo.maxNewTokens}): about twice the early episodes' length over ${grpo.maxTurns} turns.`, config: { training: { grpo: { maxNewTokens: Math.min(grpo.maxNewTokens, cap) } } } };
  return {
    code: 'length_hacking',
    severity: 'medium',
    score: score('medium', growth - LENGTH_GROWTH),
    title: `Episodes grew ${round(growth, 2)}x longer while the reward moved ${round(reward.late - reward.early, 3)}`,
    evidence: { earlyTokens: round(length.early, 1), lateTokens: round(length.late, 1), earlyReward: round(reward.early, 4), lateReward: round(reward.late, 4), aggregation: grpo.aggregation, thresholds: { lengthGrowth: LENGTH_GROWTH, minRewardGain: MIN_REWARD_GAIN } },
    patch,
  };
}
