import { applyJobPatch, type Finding } from '@tuneforge/contracts';
import { ALL_RULES } from '../rules/all-rules';
import type { DiagnosisRule } from '../rules/rule';
import { severityRank } from '../rules/rule';
import type { DiagnosisInput } from './diagnosis-input';
import { DiagnosisInputError } from './diagnosis-input-error';

/** The result event holds at most 50 findings. */
const MAX_FINDINGS = 50;

function assertCurveInOrder(input: DiagnosisInput): void {
  for (let i = 1; i < input.curve.length; i++) {
    if (input.curve[i].step <= input.curve[i - 1].step) {
      throw new DiagnosisInputError(
        `curve[${i}].step: expected steps in increasing order, got ${input.curve[i].step} after ${input.curve[i - 1].step} (curve[${i - 1}])`,
      );
    }
  }
}

/** Severity first, then score; the code breaks exact ties so that the same input always ranks the same way. */
export function rankFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.score - a.score || a.code.localeCompare(b.code));
}

/**
 * Runs every rule over one iteration's curve, data evidence and evaluation and returns the ranked findings —
 * none for a healthy run. Pure and deterministic: the same input always gives the same answer. Each finding's
 * patch is applied to the request's config and validated (applyJobPatch) before it is returned, so a finding
 * never proposes a configuration the next iteration would refuse; a rule that did would be a bug, and throws.
 */
export function diagnose(input: DiagnosisInput, rules: readonly DiagnosisRule[] = ALL_RULES): Finding[] {
  assertCurveInOrder(input);
  const findings = rules.flatMap((rule) => {
    const finding = rule(input);
    return finding ? [finding] : [];
  });
  for (const finding of findings) applyJobPatch(input.config, finding.patch.config);
  return rankFindings(findings).slice(0, MAX_FINDINGS);
}
