import type { Finding } from '@tuneforge/contracts';
import { resolveGrpoConfig } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { earlyAndLate, MIN_REWARD_POINTS, rewardPoints } from './reward-curve';
import { round, scaledLearningRate, score, significant } from './rule';

/** The late reward fell below this share of the best the run reached: the policy unlearned what scored. */
export const COLLAPSE_RATIO = 0.5;
/** Rewards this close to 0 at their best have nothing to collapse from. */
const MIN_BEST_REWARD = 0.05;

/**
 * Reward collapse: the mean reward climbed (or started) somewhere and ended at less than half of it. Updates too
 * large for the policy (GRPO's ratio then leaves the clip range and the policy drifts from what the grader liked).
 * The patch halves the learning rate and anchors the policy to the starting model with a KL term (beta 0.04, or
 * twice the current one).
 */
export function rewardCollapseRule(input: DiagnosisInput): Finding | null {
  const points = rewardPoints(input.curve);
  if (points.length < MIN_REWARD_POINTS) return null;
  const { early, late, best } = earlyAndLate(points, (p) => p.mean);
  if (!(best > MIN_BEST_REWARD) || late >= COLLAPSE_RATIO * best) return null;
  const grpo = resolveGrpoConfig(input.config.training.grpo, input.config.training.reinforcement?.computeMultiplier);
  const beta = significant(grpo.beta > 0 ? Math.min(10, grpo.beta * 2) : 0.04);
  const learningRate = scaledLearningRate(input.config.training.learningRate, 0.5);
  return {
    code: 'reward_collapse',
    severity: 'high',
    score: score('high', (1 - late / best) * 5),
    title: `The mean reward collapsed: ${round(late, 3)} at the end against ${round(best, 3)} at its best`,
    evidence: { earlyReward: round(early, 4), bestReward: round(best, 4), lateReward: round(late, 4), steps: points.length, thresholds: { lateToBestRatio: COLLAPSE_RATIO } },
    patch: {
      description: `Smaller, anchored updates: learning rate ${input.config.training.learningRate} -> ${learningRate}, KL penalty beta ${grpo.beta} -> ${beta} (to the starting model).`,
      config: { training: { learningRate, grpo: { beta } } },
    },
  };
}
