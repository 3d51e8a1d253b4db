import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';

/** One check: a pure function of the loaded input, returning its finding or null when it sees nothing wrong. */
export type DiagnosisRule = (input: DiagnosisInput) => Finding | null;

export type Severity = Finding['severity'];

/**
 * Scores put every finding of a severity above every finding of the severity below (a band of 10 each), and
 * order findings within a band by how far past its threshold the evidence is (`excess`, 0 at the threshold,
 * capped below 10 so that it never crosses into the next band).
 */
const SEVERITY_BAND: Record<Severity, number> = { critical: 40, high: 30, medium: 20, low: 10 };
const MAX_EXCESS = 9.99;

export function score(severity: Severity, excess: number): number {
  const bounded = Number.isFinite(excess) ? Math.min(MAX_EXCESS, Math.max(0, excess)) : MAX_EXCESS;
  return round(SEVERITY_BAND[severity] + bounded, 4);
}

export function severityRank(severity: Severity): number {
  return SEVERITY_BAND[severity];
}

/** Rounds to `digits` significant digits: patches and evidence read 6e-5, not 6.000000000000001e-5. */
export function significant(value: number, digits = 3): number {
  return Number(value.toPrecision(digits));
}

export function round(value: number, decimals = 4): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** The job config allows learning rates in (0, 1]. */
export function scaledLearningRate(current: number, factor: number): number {
  return Math.min(1, significant(current * factor));
}
