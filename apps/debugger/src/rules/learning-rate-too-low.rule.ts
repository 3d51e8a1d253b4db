import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { descendingShare, finiteLosses, isSlowSteadyDescent, lateDropShare, MIN_CURVE_POINTS, relativeDrop, SLOW_DESCENT_MAX_DROP, startAndEnd } from './curve-stats';
import { round, scaledLearningRate, score } from './rule';

/** Three times the steps: the loss was still falling at the same pace, so it has room for much bigger ones. */
export const LR_UP_FACTOR = 3;

/** A tiny, steady, still-going decrease of the loss: the optimizer moves in the right direction, far too slowly. */
export function learningRateTooLowRule(input: DiagnosisInput): Finding | null {
  const points = finiteLosses(input.curve);
  if (points.length < MIN_CURVE_POINTS || !isSlowSteadyDescent(points)) return null;
  const { start, end } = startAndEnd(points);
  const drop = relativeDrop(points);
  const learningRate = scaledLearningRate(input.config.training.learningRate, LR_UP_FACTOR);
  return {
    code: 'learning_rate_too_low',
    severity: 'medium',
    // The smaller the drop, the surer the diagnosis.
    score: score('medium', (1 - drop / SLOW_DESCENT_MAX_DROP) * 5),
    title: `Learning rate too low: the loss fell steadily but only ${round(drop * 100, 1)} % (${round(start, 3)} → ${round(end, 3)})`,
    evidence: {
      startLoss: round(start),
      endLoss: round(end),
      lossDrop: round(drop, 4),
      descendingShare: round(descendingShare(points), 3),
      lastThirdShareOfDrop: round(lateDropShare(points), 3),
      learningRate: input.config.training.learningRate,
      thresholds: { maxLossDrop: SLOW_DESCENT_MAX_DROP },
    },
    patch: {
      description: `Raise the learning rate to ${LR_UP_FACTOR}× (${input.config.training.learningRate} → ${learningRate}): the loss was still falling when the run ended.`,
      config: { training: { learningRate } },
    },
  };
}
