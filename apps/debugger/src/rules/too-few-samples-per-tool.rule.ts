import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { score } from './rule';
import { synthesisPatch } from './synthesis-patch';

/**
 * Calls of a tool the training set should hold: under ten examples a model cannot learn a tool's arguments,
 * let alone when to pick it over the others.
 */
export const MIN_SAMPLES_PER_TOOL = 10;

/** Job tools (and tools the data calls) with fewer than MIN_SAMPLES_PER_TOOL training calls. */
export function tooFewSamplesPerToolRule(input: DiagnosisInput): Finding | null {
  const data = input.data;
  if (!data) return null;
  const names = [...new Set([...input.tools.map((t) => t.function.name), ...Object.keys(data.toolUsage)])].sort();
  const short = names.map((tool) => ({ tool, samples: data.toolUsage[tool] ?? 0 })).filter((t) => t.samples < MIN_SAMPLES_PER_TOOL);
  if (short.length === 0) return null;
  const deficit = short.reduce((n, t) => n + (MIN_SAMPLES_PER_TOOL - t.samples), 0);
  // Synthesis spreads tool samples over all tools and keeps a share without a tool: ask for enough that the
  // rarest tool gets its missing calls.
  const toolShare = 1 - input.config.synthesis.noToolRatio;
  const perToolDeficit = Math.max(...short.map((t) => MIN_SAMPLES_PER_TOOL - t.samples));
  const samples = Math.ceil((perToolDeficit * Math.max(1, names.length)) / Math.max(0.1, toolShare));
  return {
    code: 'too_few_samples_per_tool',
    severity: 'medium',
    score: score('medium', (deficit / (MIN_SAMPLES_PER_TOOL * names.length)) * 5),
    title: `${short.length} tool${short.length === 1 ? ' has' : 's have'} fewer than ${MIN_SAMPLES_PER_TOOL} training samples: ${short.map((t) => t.tool).join(', ')}`,
    evidence: { tools: Object.fromEntries(short.map((t) => [t.tool, t.samples])), missingCalls: deficit, threshold: { minSamplesPerTool: MIN_SAMPLES_PER_TOOL } },
    patch: synthesisPatch(input.config, { samples }, `Synthesize ${samples} samples from the job's tools so that every tool has at least ${MIN_SAMPLES_PER_TOOL} training calls.`),
  };
}
