import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { score } from './rule';
import { synthesisPatch } from './synthesis-patch';

/** Below this many samples offering tools, one shared tool set is not yet a pattern worth a finding. */
export const MIN_SAMPLES_OFFERING = 10;
/** A set of one tool cannot vary: static means the same set of at least two. */
const MIN_TOOLS_IN_SET = 2;

/**
 * Every sample offers the very same tools (reference 000's warning against tuning on static tools): the model
 * memorizes that set instead of learning to choose among the tools an agent presents, and needs a new tune
 * whenever a tool is added or removed. Template synthesis shows each sample a random subset in random order.
 */
export function staticToolSetRule(input: DiagnosisInput): Finding | null {
  const data = input.data;
  if (!data) return null;
  const { samplesOffering, distinctSets, toolNames } = data.offeredTools;
  if (samplesOffering < MIN_SAMPLES_OFFERING || distinctSets !== 1 || toolNames.length < MIN_TOOLS_IN_SET) return null;
  return {
    code: 'static_tool_set',
    severity: 'medium',
    // Ranked among medium findings by how many samples repeat the set (10 → 0, 1000 → ~2).
    score: score('medium', Math.log10(samplesOffering / MIN_SAMPLES_OFFERING)),
    title: `All ${samplesOffering} samples offer the same ${toolNames.length} tools`,
    evidence: { samplesOffering, distinctToolSets: distinctSets, tools: toolNames, threshold: { minSamplesOffering: MIN_SAMPLES_OFFERING } },
    patch: synthesisPatch(
      input.config,
      { samples: samplesOffering, source: 'templates' },
      `Synthesize ${samplesOffering} template samples, each offering a random subset of the tools in random order, so the model learns to choose from what it is given.`,
    ),
  };
}
