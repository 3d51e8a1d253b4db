import type { Finding } from '@tuneforge/contracts';
import { resolveGrpoConfig } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { earlyAndLate, MIN_REWARD_POINTS, rewardPoints } from './reward-curve';
import { round, scaledLearningRate, score, significant } from './rule';

/**
 * Mean k3 KL per generated token to the starting model past which the policy has left it: 1 nat a token is far
 * beyond the 0.01-0.1 GRPO runs keep with beta 0.04 (DeepSeek's and TRL's examples).
 */
export const MAX_LATE_KL = 1;

/**
 * KL blow-up: the policy's KL to the starting model ended above MAX_LATE_KL (measured only when the run has a
 * reference, i.e. beta > 0). The patch quadruples beta (at least 0.1) and halves the learning rate.
 */
export function klBlowupRule(input: DiagnosisInput): Finding | null {
  const points = rewardPoints(input.curve);
  if (points.length < MIN_REWARD_POINTS) return null;
  const { early, late } = earlyAndLate(points, (p) => p.kl);
  if (!(late > MAX_LATE_KL)) return null;
  const grpo = resolveGrpoConfig(input.config.training.grpo, input.config.training.reinforcement?.computeMultiplier);
  const beta = significant(Math.min(10, Math.max(0.1, grpo.beta * 4)));
  const learningRate = scaledLearningRate(input.config.training.learningRate, 0.5);
  return {
    code: 'kl_blowup',
    severity: 'high',
    score: score('high', Math.log2(late / MAX_LATE_KL)),
    title: `The policy drifted far from the starting model: KL ${round(late, 3)} per generated token at the end`,
    evidence: { earlyKl: round(early, 4), lateKl: round(late, 4), beta: grpo.beta, steps: points.length, thresholds: { lateKl: MAX_LATE_KL } },
    patch: {
      description: `Hold the policy closer to the starting model: KL penalty beta ${grpo.beta} -> ${beta}, learning rate ${input.config.training.learningRate} -> ${learningRate}.`,
      config: { training: { learningRate, grpo: { beta } } },
    },
  };
}
