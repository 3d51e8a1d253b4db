import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { round, score } from './rule';

/** Share of training samples cut at `maxSequenceLength` before it is a finding: the cut part is never learned. */
export const MAX_TRUNCATION_RATE = 0.05;
/** From this rate on (or when whole samples were dropped) much of the data is lost: high severity. */
export const SEVERE_TRUNCATION_RATE = 0.25;
/** The job config's ceiling on sequence length. */
const MAX_SEQUENCE_LENGTH = 131072;

function nextPowerOfTwo(value: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, value)));
}

/**
 * Samples longer than `data.maxSequenceLength` (rate from datagen's report): their ends — often the final answer
 * or the tool call, the part that matters — are cut off. The patch raises the limit to cover the 95th percentile
 * of sample lengths (a power of two), at least doubling it.
 */
export function truncationRule(input: DiagnosisInput): Finding | null {
  const truncation = input.data?.truncation;
  if (!truncation || truncation.samples === 0 || truncation.truncationRate < MAX_TRUNCATION_RATE) return null;
  const current = input.config.data.maxSequenceLength;
  if (current >= MAX_SEQUENCE_LENGTH) return null; // Nothing left to raise; the samples themselves must get shorter.
  const p95 = input.data?.tokenLengths?.p95 ?? 0;
  const maxSequenceLength = Math.min(MAX_SEQUENCE_LENGTH, Math.max(current * 2, nextPowerOfTwo(p95)));
  const severity = truncation.truncationRate >= SEVERE_TRUNCATION_RATE || truncation.dropped > 0 ? 'high' : 'medium';
  return {
    code: 'truncation',
    severity,
    score: score(severity, (truncation.truncationRate / MAX_TRUNCATION_RATE - 1) / 2),
    title: `${truncation.truncated} of ${truncation.samples} training samples are longer than maxSequenceLength ${current}`,
    evidence: {
      truncated: truncation.truncated,
      samples: truncation.samples,
      dropped: truncation.dropped,
      truncationRate: round(truncation.truncationRate, 4),
      maxSequenceLength: current,
      ...(input.data?.tokenLengths && { tokenLengthP95: input.data.tokenLengths.p95, tokenLengthMax: input.data.tokenLengths.max }),
      thresholds: { truncationRate: MAX_TRUNCATION_RATE, severeTruncationRate: SEVERE_TRUNCATION_RATE },
    },
    patch: {
      description: `Raise maxSequenceLength from ${current} to ${maxSequenceLength} so the ends of long samples are trained on (longer sequences need more memory per micro batch).`,
      config: { data: { maxSequenceLength } },
    },
  };
}
