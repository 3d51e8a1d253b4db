import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { round, score } from './rule';
import { synthesisPatch } from './synthesis-patch';

/**
 * The share the rarer of tool and no-tool samples should reach after the fix. The report's own verdict
 * (`toolBalance.balanced`, minority below 20 %) decides whether there is a finding; the fix aims higher so
 * the next iteration is not again on the edge.
 */
export const TARGET_MINORITY_SHARE = 0.3;
/** Synthetic mix used to catch up: mostly the missing kind, some of the other so the decision stays a decision. */
const CATCH_UP_NO_TOOL_RATIO = 0.6;
const CATCH_UP_TOOL_RATIO = 0.9;

/**
 * Nearly all tool calls teaches the model to call a tool for "Hi!"; nearly none teaches it to never call one
 * (reference 000's two sample kinds). Agent data only: a set with no tool anywhere is a plain text task.
 */
export function toolImbalanceRule(input: DiagnosisInput): Finding | null {
  const data = input.data;
  if (!data || data.toolBalance.balanced) return null;
  const { tool, noTool } = data.toolBalance;
  const total = tool + noTool;
  if (total === 0 || (tool === 0 && input.tools.length === 0)) return null;
  const tooFewNoTool = noTool < tool;
  // Synthetic samples x with share r of the missing kind: (minority + r·x) / (total + x) ≥ target.
  const [minority, share] = tooFewNoTool ? [noTool, CATCH_UP_NO_TOOL_RATIO] : [tool, CATCH_UP_TOOL_RATIO];
  const needed = Math.max(1, Math.ceil((TARGET_MINORITY_SHARE * total - minority) / (share - TARGET_MINORITY_SHARE)));
  const minorityShare = minority / total;
  return {
    code: 'tool_imbalance',
    severity: 'medium',
    score: score('medium', (1 - minorityShare / TARGET_MINORITY_SHARE) * 5),
    title: tooFewNoTool ? `Only ${noTool} of ${total} samples answer without a tool` : `Only ${tool} of ${total} samples call a tool`,
    evidence: { toolSamples: tool, noToolSamples: noTool, toolShare: round(data.toolBalance.toolShare, 4), minorityShare: round(minorityShare, 4), targetMinorityShare: TARGET_MINORITY_SHARE },
    patch: synthesisPatch(
      input.config,
      { samples: needed, noToolRatio: tooFewNoTool ? CATCH_UP_NO_TOOL_RATIO : 1 - CATCH_UP_TOOL_RATIO },
      tooFewNoTool
        ? `Synthesize ${needed} samples, ${CATCH_UP_NO_TOOL_RATIO * 100} % of them answered without a tool, so the model also learns when not to call one.`
        : `Synthesize ${needed} samples, ${CATCH_UP_TOOL_RATIO * 100} % of them tool calls, so the model learns to use its tools.`,
    ),
  };
}
