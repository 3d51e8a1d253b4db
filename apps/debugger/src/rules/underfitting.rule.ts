import type { Finding, JobConfig, JobPatch } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { finiteLosses, isSlowSteadyDescent, mean, MIN_CURVE_POINTS, relativeDrop, smoothedShape, startAndEnd } from './curve-stats';
import { evaluationGains } from './evaluation-gain';
import { round, scaledLearningRate, score } from './rule';

/** The loss fell by less than this share of its start: the run barely learned anything. */
export const BARELY_FELL = 0.1;
/** A final loss (nats per token) at or above this is high for a fine-tune, whose targets are the user's own answers... */
export const HIGH_PLATEAU_LOSS = 2;
/** ...and a plateau when the last third of the run changed it by less than this share. */
export const PLATEAU_CHANGE = 0.02;
/** The tuned model beat the base by less than this on average (0–1 scale): tuning made no difference. */
export const MIN_MEAN_GAIN = 0.02;
/**
 * Training stopped too soon: the smoothed loss still fell by at least this share over the run's last third
 * (a run that has learned what it can levels off there: a healthy fine-tune changes by a few percent)...
 */
export const STILL_FALLING_LATE_DROP = 0.2;
/** ...after a real descent (a slow steady one is the learning rate's finding). */
export const STILL_FALLING_MIN_DROP = 0.3;
/** Agent tasks: a tuned model picking the right tool less often than this has not learned the task. */
export const WEAK_TOOL_SELECTION = 0.6;
const MAX_EPOCHS = 100;
/** A flat curve also needs bigger steps, not only more of them. */
const PLATEAU_LR_FACTOR = 2;

function curveEvidence(input: DiagnosisInput): Record<string, unknown> | null {
  const points = finiteLosses(input.curve);
  if (points.length < MIN_CURVE_POINTS || isSlowSteadyDescent(points)) return null;
  const { start, end } = startAndEnd(points);
  const drop = relativeDrop(points);
  const late = startAndEnd(points.slice(Math.floor((points.length * 2) / 3)));
  const lateChange = late.start > 0 ? Math.abs(late.start - late.end) / late.start : 0;
  const barely = drop >= 0 && drop < BARELY_FELL;
  const highPlateau = end >= HIGH_PLATEAU_LOSS && lateChange < PLATEAU_CHANGE;
  if (!barely && !highPlateau) return null;
  return { startLoss: round(start), endLoss: round(end), lossDrop: round(drop, 3), lastThirdChange: round(lateChange, 3), plateaued: lateChange < PLATEAU_CHANGE };
}

/** The loss was still falling fast when the run ended: more steps would have taught the model more. */
function stillFallingEvidence(input: DiagnosisInput): Record<string, unknown> | null {
  const points = finiteLosses(input.curve);
  if (points.length < MIN_CURVE_POINTS) return null;
  const shape = smoothedShape(points);
  const drop = relativeDrop(shape);
  const late = startAndEnd(shape.slice(Math.floor((shape.length * 2) / 3)));
  const lateDrop = late.start > 0 ? (late.start - late.end) / late.start : 0;
  if (drop < STILL_FALLING_MIN_DROP || lateDrop < STILL_FALLING_LATE_DROP) return null;
  const { start, end } = startAndEnd(shape);
  return { startLoss: round(start), endLoss: round(end), lossDrop: round(drop, 3), lastThirdDrop: round(lateDrop, 3), steps: points[points.length - 1].step };
}

/** The tuned model is still weak at the task (agent tasks: tool selection), whatever it gained on wording. */
function weakAtTask(input: DiagnosisInput): number | null {
  const accuracy = input.evaluation?.tuned.metrics.tool_selection_accuracy;
  return typeof accuracy === 'number' && accuracy < WEAK_TOOL_SELECTION ? accuracy : null;
}

function evaluationEvidence(input: DiagnosisInput): Record<string, unknown> | null {
  if (!input.evaluation) return null;
  const gains = evaluationGains(input.evaluation);
  if (gains.length === 0) return null;
  const meanGain = mean(gains.map((g) => g.gain));
  if (meanGain >= MIN_MEAN_GAIN) return null;
  return { meanGain: round(meanGain, 4), metrics: Object.fromEntries(gains.map((g) => [g.metric, { base: round(g.base), tuned: round(g.tuned) }])) };
}

function trainMore(config: JobConfig, plateaued: boolean): JobPatch {
  const epochs = Math.min(MAX_EPOCHS, config.training.epochs * 2);
  const training: Record<string, number> = {};
  const said: string[] = [];
  if (epochs > config.training.epochs) {
    training.epochs = epochs;
    said.push(`train ${epochs} epochs instead of ${config.training.epochs}`);
  }
  if (plateaued || epochs === config.training.epochs) {
    training.learningRate = scaledLearningRate(config.training.learningRate, PLATEAU_LR_FACTOR);
    said.push(`raise the learning rate from ${config.training.learningRate} to ${training.learningRate}`);
  }
  return { description: `The model has not learned the task yet: ${said.join(' and ')}.`, config: { training } };
}

/**
 * The run did not learn enough: the loss barely fell or levelled off high, or the tuned model is no better than
 * the base model. A loss that falls slowly but steadily is the learning rate's finding, not this one.
 */
export function underfittingRule(input: DiagnosisInput): Finding | null {
  const falling = stillFallingEvidence(input);
  if (falling) {
    // The cause, not a symptom: a model stopped mid-descent is weak at every tool alike. High when the
    // evaluation shows the task itself is not learned yet.
    const weak = weakAtTask(input);
    const severity = weak !== null ? 'high' : 'medium';
    return {
      code: 'underfitting',
      severity,
      score: score(severity, ((falling.lastThirdDrop as number) / STILL_FALLING_LATE_DROP) * 3),
      title: `Underfitting: training stopped after ${falling.steps as number} steps while the loss was still falling (${Math.round((falling.lastThirdDrop as number) * 100)}% over the last third)`,
      evidence: {
        curve: falling,
        ...(weak !== null && { toolSelectionAccuracy: round(weak, 4) }),
        thresholds: { lastThirdDrop: STILL_FALLING_LATE_DROP, lossDrop: STILL_FALLING_MIN_DROP, toolSelectionAccuracy: WEAK_TOOL_SELECTION },
      },
      patch: trainMore(input.config, false),
    };
  }
  const curve = curveEvidence(input);
  const evaluation = evaluationEvidence(input);
  if (!curve && !evaluation) return null;
  const severity = curve && evaluation ? 'high' : 'medium';
  const gainShortfall = evaluation ? (MIN_MEAN_GAIN - (evaluation.meanGain as number)) / MIN_MEAN_GAIN : 0;
  const dropShortfall = curve ? (BARELY_FELL - Math.max(0, curve.lossDrop as number)) / BARELY_FELL : 0;
  return {
    code: 'underfitting',
    severity,
    score: score(severity, Math.max(gainShortfall, dropShortfall) * 3),
    title: curve ? `Underfitting: the training loss ${curve.plateaued ? 'levelled off' : 'barely fell'} at ${curve.endLoss as number}` : 'Underfitting: the tuned model is no better than the base model',
    evidence: {
      ...(curve && { curve }),
      ...(evaluation && { evaluation }),
      thresholds: { lossDrop: BARELY_FELL, highPlateauLoss: HIGH_PLATEAU_LOSS, plateauChange: PLATEAU_CHANGE, meanGain: MIN_MEAN_GAIN },
    },
    patch: trainMore(input.config, curve?.plateaued === true),
  };
}
