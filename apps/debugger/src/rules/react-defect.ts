import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput, ReactDefect } from '../diagnosis/diagnosis-input';
import { round, score } from './rule';
import { synthesisPatch } from './synthesis-patch';

/**
 * Share of the ReAct tool samples that may break a reference 000 rule before it is a finding: a single typo
 * in a large set teaches little, 5 % of the set teaches the wrong habit.
 */
export const MAX_DEFECT_RATE = 0.05;

/**
 * A ReAct rule broken by too many training samples. The fix is twofold: the listed samples must be corrected by
 * the user, and synthetic samples (built to the rules from the job's tools) dilute what the broken ones teach
 * — as many as there are tool samples, so correct examples are at least half of what the model sees.
 */
export function reactDefectFinding(
  input: DiagnosisInput,
  defect: ReactDefect,
  wording: { code: Finding['code']; severity: Finding['severity']; title: (count: number, checked: number) => string; why: string },
): Finding | null {
  const data = input.data;
  // Only tool samples must stop at the observation; any sample, tool or not, can predict one.
  const checked = defect === 'stop_at_observation' ? data?.reactToolSamples : data?.reactSamples;
  if (!data || !checked) return null;
  const found = data.reactDefects[defect];
  const rate = found.count / checked;
  if (found.count === 0 || rate < MAX_DEFECT_RATE) return null;
  return {
    code: wording.code,
    severity: wording.severity,
    score: score(wording.severity, (rate / MAX_DEFECT_RATE - 1) / 2),
    title: wording.title(found.count, data.reactToolSamples),
    evidence: {
      defectiveSamples: found.count,
      checkedSamples: checked,
      rate: round(rate, 4),
      firstDefective: found.examples,
      threshold: { rate: MAX_DEFECT_RATE },
    },
    patch: synthesisPatch(
      input.config,
      { samples: Math.max(data.reactToolSamples, found.count * 2), agentTokens: true },
      `${wording.why} Fix the listed samples, and synthesize correct tool samples (with agent tokens) so they outweigh the broken ones.`,
    ),
  };
}
