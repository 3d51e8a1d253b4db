import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { round, score } from './rule';
import { synthesisPatch } from './synthesis-patch';

/** Selection accuracy below this for a tool, in the agent evaluation, makes it weak: the model misses it half the time or so. */
export const WEAK_SELECTION_ACCURACY = 0.6;
/** Evaluation turns expecting the tool needed to judge it: fewer is noise. */
export const MIN_EXPECTED_TURNS = 5;
/** Synthetic samples asked for per weak tool. */
const SAMPLES_PER_WEAK_TOOL = 50;
/** `per_tool` key of the turns that expect a final answer rather than a tool. */
const NO_TOOL_KEY = '(none)';
/** When the model calls tools where it should answer: more no-tool samples. */
const NO_TOOL_RATIO_WHEN_WEAK = 0.4;

/**
 * Tools the tuned model fails to pick in the agent evaluation. More synthesized samples that call them, and the
 * agent tokens (reference 000), which make the ReAct markers single tokens the model cannot garble.
 */
export function weakToolRule(input: DiagnosisInput): Finding | null {
  const perTool = input.evaluation?.tuned.per_tool ?? {};
  const weak = Object.entries(perTool)
    .filter(([, m]) => m.expected >= MIN_EXPECTED_TURNS && m.selection_accuracy < WEAK_SELECTION_ACCURACY)
    .sort(([a, x], [b, y]) => x.selection_accuracy - y.selection_accuracy || a.localeCompare(b));
  if (weak.length === 0) return null;
  const worst = weak[0][1].selection_accuracy;
  const base = input.evaluation?.base.per_tool ?? {};
  const answersWeak = weak.some(([name]) => name === NO_TOOL_KEY);
  return {
    code: 'weak_tool',
    severity: 'medium',
    score: score('medium', ((WEAK_SELECTION_ACCURACY - worst) / WEAK_SELECTION_ACCURACY) * 5),
    title: `The tuned model rarely picks ${weak.map(([name]) => name).join(', ')} when it should`,
    evidence: {
      tools: Object.fromEntries(
        weak.map(([name, m]) => [name, { expected: m.expected, predicted: m.predicted, selectionAccuracy: round(m.selection_accuracy, 4), baseSelectionAccuracy: base[name] ? round(base[name].selection_accuracy, 4) : null }]),
      ),
      threshold: { selectionAccuracy: WEAK_SELECTION_ACCURACY, minExpectedTurns: MIN_EXPECTED_TURNS },
    },
    patch: synthesisPatch(
      input.config,
      {
        samples: (input.config.synthesis.enabled ? input.config.synthesis.samples : 0) + SAMPLES_PER_WEAK_TOOL * weak.length,
        agentTokens: true,
        ...(answersWeak && { noToolRatio: Math.max(input.config.synthesis.noToolRatio, NO_TOOL_RATIO_WHEN_WEAK) }),
      },
      `Synthesize ${SAMPLES_PER_WEAK_TOOL} more samples per weak tool${answersWeak ? ' (more of them answered without a tool)' : ''} and train with agent tokens.`,
    ),
  };
}
