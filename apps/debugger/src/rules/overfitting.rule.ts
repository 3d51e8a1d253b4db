import type { Finding, JobConfig, JobPatch } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { finiteLosses, MIN_CURVE_POINTS, relativeDrop } from './curve-stats';
import { round, scaledLearningRate, score } from './rule';

/** Validation loss this far (relative) above its best value at the end of the run: past measurement noise. */
export const VALIDATION_RISE = 0.1;
/** Validation points needed to speak of a rise after a minimum. */
const MIN_VALIDATION_POINTS = 3;
/** Without curve validation points: the tuned model's validation loss this far above the base model's. */
export const TUNED_OVER_BASE_RISE = 0.05;
/** ...while the training loss fell by at least this share, i.e. the model learned the training set. */
export const TRAINING_FELL = 0.1;
/** When the run already has one epoch, halve the learning rate instead: fewer effective updates. */
const SINGLE_EPOCH_LR_FACTOR = 0.5;

function fewerUpdates(config: JobConfig, bestShare: number, why: string): JobPatch {
  const epochs = Math.max(1, Math.min(config.training.epochs - 1, Math.ceil(config.training.epochs * bestShare)));
  if (epochs < config.training.epochs) {
    return {
      description: `${why}: stop earlier — train ${epochs} epoch${epochs === 1 ? '' : 's'} instead of ${config.training.epochs}.`,
      config: { training: { epochs } },
    };
  }
  const learningRate = scaledLearningRate(config.training.learningRate, SINGLE_EPOCH_LR_FACTOR);
  return {
    description: `${why}: the run already has a single epoch, so halve the learning rate (${config.training.learningRate} → ${learningRate}) to take smaller steps through the data.`,
    config: { training: { learningRate } },
  };
}

function validationPoints(input: DiagnosisInput): Array<{ step: number; loss: number }> {
  return input.curve.flatMap((p) => (typeof p.validationLoss === 'number' && Number.isFinite(p.validationLoss) ? [{ step: p.step, loss: p.validationLoss }] : []));
}

function fromCurve(input: DiagnosisInput, validation: Array<{ step: number; loss: number }>): Finding | null {
  let best = 0;
  for (let i = 1; i < validation.length; i++) if (validation[i].loss < validation[best].loss) best = i;
  const last = validation[validation.length - 1];
  const bestPoint = validation[best];
  if (best === validation.length - 1 || !(bestPoint.loss > 0)) return null;
  const rise = (last.loss - bestPoint.loss) / bestPoint.loss;
  if (rise < VALIDATION_RISE) return null;
  // Training loss must have kept falling after the best validation step: otherwise it is instability, not memorization.
  const training = finiteLosses(input.curve);
  const near = (step: number) => training.reduce((a, b) => (Math.abs(b.step - step) < Math.abs(a.step - step) ? b : a));
  if (training.length === 0) return null;
  const trainingAtBest = near(bestPoint.step).loss;
  const trainingAtEnd = near(last.step).loss;
  if (trainingAtEnd >= trainingAtBest) return null;
  return {
    code: 'overfitting',
    severity: 'high',
    score: score('high', (rise / VALIDATION_RISE - 1) * 2),
    title: `Overfitting: validation loss rose ${Math.round(rise * 100)} % after step ${bestPoint.step} while training loss kept falling`,
    evidence: {
      bestValidationStep: bestPoint.step,
      bestValidationLoss: round(bestPoint.loss),
      lastValidationStep: last.step,
      lastValidationLoss: round(last.loss),
      validationRise: round(rise, 3),
      trainingLossAtBest: round(trainingAtBest),
      trainingLossAtEnd: round(trainingAtEnd),
      totalSteps: input.totalSteps,
      threshold: { validationRise: VALIDATION_RISE },
    },
    patch: fewerUpdates(input.config, bestPoint.step / input.totalSteps, `Validation loss was best at step ${bestPoint.step} of ${input.totalSteps}`),
  };
}

function fromEvaluation(input: DiagnosisInput): Finding | null {
  const base = input.evaluation?.base.metrics.validation_loss;
  const tuned = input.evaluation?.tuned.metrics.validation_loss;
  if (base === undefined || tuned === undefined || !(base > 0)) return null;
  const rise = (tuned - base) / base;
  if (rise < TUNED_OVER_BASE_RISE) return null;
  const training = finiteLosses(input.curve);
  if (training.length < MIN_CURVE_POINTS) return null;
  const drop = relativeDrop(training);
  if (drop < TRAINING_FELL) return null;
  return {
    code: 'overfitting',
    severity: 'high',
    // Less certain than a measured validation curve: a notch lower in its band.
    score: score('high', (rise / TUNED_OVER_BASE_RISE - 1) * 1),
    title: `Overfitting: the tuned model's validation loss is ${Math.round(rise * 100)} % above the base model's though training loss fell ${Math.round(drop * 100)} %`,
    evidence: {
      baseValidationLoss: round(base),
      tunedValidationLoss: round(tuned),
      validationRiseOverBase: round(rise, 3),
      trainingLossDrop: round(drop, 3),
      thresholds: { validationRiseOverBase: TUNED_OVER_BASE_RISE, trainingLossDrop: TRAINING_FELL },
    },
    // No curve minimum to aim at: one epoch fewer.
    patch: fewerUpdates(input.config, (input.config.training.epochs - 1) / input.config.training.epochs, 'The model fits its training data but got worse on held-out data'),
  };
}

/**
 * Validation loss rising while training loss falls: the model memorizes its training samples. Read from the
 * curve's validation points when the pod measured them; otherwise from the evaluation (tuned vs base).
 */
export function overfittingRule(input: DiagnosisInput): Finding | null {
  const validation = validationPoints(input);
  // A measured validation curve is the better witness: when there is one, the evaluation is not asked.
  return validation.length >= MIN_VALIDATION_POINTS ? fromCurve(input, validation) : fromEvaluation(input);
}
