import type { JobConfig, JobPatch } from '@tuneforge/contracts';
import { scaledLearningRate, significant } from './rule';

/** A diverged run retries at under a third of its learning rate: enough to leave the unstable region in one iteration. */
export const DIVERGENCE_LR_FACTOR = 0.3;
/** Gradient clipping at half the current norm, and never looser than the usual 1.0. */
const CLIP_FACTOR = 0.5;
const USUAL_MAX_GRAD_NORM = 1;

/** Lower learning rate and tighter gradient clipping: what a run whose loss blew up retries with. */
export function stabilizingPatch(config: JobConfig, why: string): JobPatch {
  const learningRate = scaledLearningRate(config.training.learningRate, DIVERGENCE_LR_FACTOR);
  const maxGradNorm = significant(Math.min(USUAL_MAX_GRAD_NORM, config.training.maxGradNorm * CLIP_FACTOR));
  return {
    description: `${why}: lower the learning rate from ${config.training.learningRate} to ${learningRate} and clip gradients at ${maxGradNorm} (was ${config.training.maxGradNorm}).`,
    config: { training: { learningRate, maxGradNorm } },
  };
}
