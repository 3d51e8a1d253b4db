import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { score } from './rule';
import { stabilizingPatch } from './stabilizing-patch';

/**
 * A loss that became NaN or infinite (the pod reports it as null): the weights are garbage from that step on,
 * whatever the rest of the curve looks like. One such point is enough.
 */
export function nonFiniteLossRule(input: DiagnosisInput): Finding | null {
  const bad = input.curve.filter((p) => p.loss === null || !Number.isFinite(p.loss));
  if (bad.length === 0) return null;
  const first = bad[0];
  const before = input.curve.filter((p) => p.step < first.step && p.loss !== null && Number.isFinite(p.loss));
  const last = before[before.length - 1];
  return {
    code: 'non_finite_loss',
    severity: 'critical',
    // More of the run lost to NaN ranks higher.
    score: score('critical', (bad.length / input.curve.length) * 10),
    title: `The training loss became NaN or infinite at step ${first.step}`,
    evidence: {
      firstNonFiniteStep: first.step,
      nonFinitePoints: bad.length,
      curvePoints: input.curve.length,
      lastFiniteLoss: last?.loss ?? null,
      lastFiniteStep: last?.step ?? null,
      learningRateAtFailure: first.learningRate,
      gradNormBeforeFailure: last ? (input.curve.find((p) => p.step === last.step)?.gradNorm ?? null) : null,
    },
    patch: stabilizingPatch(input.config, 'Non-finite loss is the optimizer overshooting'),
  };
}
