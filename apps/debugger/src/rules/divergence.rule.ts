import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { finiteLosses, MIN_CURVE_POINTS, smoothedShape, startAndEnd } from './curve-stats';
import { round, score } from './rule';
import { stabilizingPatch } from './stabilizing-patch';

/**
 * The run ended with a loss this many times its starting loss. Fine-tuning starts from a trained model, so its
 * loss should only go down; ending 50 % above the start means the updates are destroying what the model knew.
 */
export const DIVERGED_END_RATIO = 1.5;
/** Or the smoothed loss climbed this far above the start at some point (a blow-up the schedule later hid). */
export const DIVERGED_PEAK_RATIO = 3;

export function divergenceRule(input: DiagnosisInput): Finding | null {
  const points = finiteLosses(input.curve);
  if (points.length < MIN_CURVE_POINTS) return null;
  const { start, end } = startAndEnd(points);
  if (!(start > 0)) return null;
  const shape = smoothedShape(points);
  let peak = 0;
  for (let i = 1; i < shape.length; i++) if (shape[i].loss > shape[peak].loss) peak = i;
  const endRatio = end / start;
  const peakRatio = shape[peak].loss / start;
  if (endRatio < DIVERGED_END_RATIO && peakRatio < DIVERGED_PEAK_RATIO) return null;
  const excess = Math.max(endRatio / DIVERGED_END_RATIO, peakRatio / DIVERGED_PEAK_RATIO) - 1;
  return {
    code: 'divergence',
    severity: 'critical',
    score: score('critical', excess * 5),
    title: `The training loss diverged: it ended at ${round(endRatio, 2)}× its starting value`,
    evidence: {
      startLoss: round(start),
      endLoss: round(end),
      endToStartRatio: round(endRatio, 3),
      peakSmoothedLoss: round(shape[peak].loss),
      peakStep: shape[peak].step,
      peakToStartRatio: round(peakRatio, 3),
      thresholds: { endToStartRatio: DIVERGED_END_RATIO, peakToStartRatio: DIVERGED_PEAK_RATIO },
    },
    patch: stabilizingPatch(input.config, 'A diverging loss means steps too large for the loss surface'),
  };
}
