import type { Finding } from '@tuneforge/contracts';
import { resolveGrpoConfig } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { MIN_REWARD_POINTS, rewardPoints } from './reward-curve';
import { round, score, significant } from './rule';

/** Share of groups whose episodes all scored the same past which most of the run learned nothing. */
export const MAX_ZERO_STD_SHARE = 0.6;

/**
 * All-equal group rewards: GRPO learns from differences within a group; a group whose episodes all pass (or all
 * fail) has zero advantages. When most groups of the run are like that, the grader is too coarse or the tasks too
 * easy or too hard for the model's exploration. The patch explores more: twice the chains per prompt (at most 64)
 * and a hotter sampling temperature (+0.3, at most 1.5).
 */
export function noRewardSignalRule(input: DiagnosisInput): Finding | null {
  const points = rewardPoints(input.curve);
  if (points.length < MIN_REWARD_POINTS) return null;
  const groups = points.reduce((n, p) => n + p.groups, 0);
  const flat = points.reduce((n, p) => n + p.zeroStdGroups, 0);
  const share = flat / Math.max(groups, 1);
  if (share < MAX_ZERO_STD_SHARE) return null;
  const grpo = resolveGrpoConfig(input.config.training.grpo, input.config.training.reinforcement?.computeMultiplier);
  const numChains = Math.min(64, grpo.numChains * 2);
  const temperature = significant(Math.min(1.5, grpo.temperature + 0.3));
  const meanReward = points.reduce((s, p) => s + p.mean, 0) / points.length;
  return {
    code: 'no_reward_signal',
    severity: share >= 0.9 ? 'high' : 'medium',
    score: score(share >= 0.9 ? 'high' : 'medium', (share - MAX_ZERO_STD_SHARE) * 20),
    title: `${round(share * 100, 1)}% of the rollout groups scored all alike: no learning signal from them`,
    evidence: { zeroStdGroups: flat, groups, share: round(share, 4), meanReward: round(meanReward, 4), steps: points.length, thresholds: { zeroStdShare: MAX_ZERO_STD_SHARE } },
    patch: {
      description: `Explore more per prompt: ${grpo.numChains} -> ${numChains} chains, temperature ${grpo.temperature} -> ${temperature}${meanReward > 0.9 || meanReward < 0.1 ? ` (mean reward ${round(meanReward, 3)}: the tasks may also be too ${meanReward > 0.9 ? 'easy' : 'hard'} for the grader's scale)` : ''}.`,
      config: { training: { grpo: { numChains, temperature } } },
    },
  };
}
