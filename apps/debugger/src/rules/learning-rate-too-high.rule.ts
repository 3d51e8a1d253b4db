import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { finiteLosses, median, MIN_CURVE_POINTS, relativeNoise, spikes } from './curve-stats';
import { round, scaledLearningRate, score } from './rule';

/**
 * Mean deviation of the loss from its own rolling median, relative to it. Batch noise of a healthy fine-tune
 * stays under a few percent; a loss that swings 15 % around its trend is bouncing across the minimum.
 */
export const MAX_RELATIVE_NOISE = 0.15;
/** A spike is a loss 50 % above the local trend... */
export const SPIKE_FACTOR = 1.5;
/** ...and a curve is spiky with this share of spikes (and at least MIN_SPIKES of them: one bad batch is no pattern). */
export const MAX_SPIKE_SHARE = 0.05;
const MIN_SPIKES = 3;
/** A gradient norm this many times the run's median is a spike of the gradients. */
export const GRAD_SPIKE_FACTOR = 5;
/** The usual remedy: under a third of the learning rate. */
export const LR_DOWN_FACTOR = 0.3;

/** An oscillating or spiky loss, or spiking gradient norms: steps too big for the loss surface, short of divergence. */
export function learningRateTooHighRule(input: DiagnosisInput): Finding | null {
  const points = finiteLosses(input.curve);
  if (points.length < MIN_CURVE_POINTS) return null;
  const noise = relativeNoise(points);
  const lossSpikes = spikes(points, SPIKE_FACTOR);
  const norms = input.curve.flatMap((p) => (typeof p.gradNorm === 'number' && Number.isFinite(p.gradNorm) ? [{ step: p.step, gradNorm: p.gradNorm }] : []));
  const medianNorm = median(norms.map((n) => n.gradNorm));
  const gradSpikes = medianNorm > 0 ? norms.filter((n) => n.gradNorm > medianNorm * GRAD_SPIKE_FACTOR) : [];
  const spikeShare = lossSpikes.length / points.length;
  const gradSpikeShare = norms.length ? gradSpikes.length / norms.length : 0;
  const noisy = noise > MAX_RELATIVE_NOISE;
  const spiky = lossSpikes.length >= MIN_SPIKES && spikeShare >= MAX_SPIKE_SHARE;
  const gradSpiky = gradSpikes.length >= MIN_SPIKES && gradSpikeShare >= MAX_SPIKE_SHARE;
  if (!noisy && !spiky && !gradSpiky) return null;
  const learningRate = scaledLearningRate(input.config.training.learningRate, LR_DOWN_FACTOR);
  const excess = Math.max(noise / MAX_RELATIVE_NOISE, spiky ? spikeShare / MAX_SPIKE_SHARE : 0, gradSpiky ? gradSpikeShare / MAX_SPIKE_SHARE : 0) - 1;
  return {
    code: 'learning_rate_too_high',
    severity: 'high',
    score: score('high', excess),
    title: `Learning rate too high: the loss ${noisy ? 'oscillates' : 'spikes'}${gradSpiky ? ' and the gradient norm spikes' : ''}`,
    evidence: {
      relativeNoise: round(noise, 4),
      lossSpikes: lossSpikes.length,
      lossSpikeSteps: lossSpikes.slice(0, 10).map((p) => p.step),
      gradNormSpikes: gradSpikes.length,
      gradNormSpikeSteps: gradSpikes.slice(0, 10).map((n) => n.step),
      medianGradNorm: Number.isFinite(medianNorm) ? round(medianNorm) : null,
      curvePoints: points.length,
      learningRate: input.config.training.learningRate,
      thresholds: { relativeNoise: MAX_RELATIVE_NOISE, spikeFactor: SPIKE_FACTOR, spikeShare: MAX_SPIKE_SHARE, gradSpikeFactor: GRAD_SPIKE_FACTOR },
    },
    patch: {
      description: `Lower the learning rate to ${LR_DOWN_FACTOR}× (${input.config.training.learningRate} → ${learningRate}) so the loss settles instead of bouncing.`,
      config: { training: { learningRate } },
    },
  };
}
