import type { JobConfig, JobPatch } from '@tuneforge/contracts';

/** The job config caps synthetic samples at a million. */
const MAX_SYNTHETIC_SAMPLES = 1_000_000;

export interface SynthesisChange {
  /** Synthetic samples wanted; the patch never asks for fewer than the job already synthesizes when it is on. */
  samples: number;
  noToolRatio?: number;
  /** `templates` show every sample a random subset of the tools; LLM synthesis offers all the job's tools. */
  source?: 'templates';
  /** Reference 000's agent tokens: the ReAct markers as single tokens the model cannot misspell. */
  agentTokens?: boolean;
}

/** Turns synthesis on (or up): the data rules' common remedy, correct-by-construction samples from the job's tools. */
export function synthesisPatch(config: JobConfig, change: SynthesisChange, description: string): JobPatch {
  const floor = config.synthesis.enabled ? config.synthesis.samples : 1;
  const samples = Math.min(MAX_SYNTHETIC_SAMPLES, Math.max(floor, Math.ceil(change.samples)));
  return {
    description,
    config: {
      synthesis: { enabled: true, samples, ...(change.noToolRatio !== undefined && { noToolRatio: change.noToolRatio }), ...(change.source && { source: change.source }) },
      ...(change.agentTokens !== undefined && { data: { agentTokens: change.agentTokens } }),
    },
  };
}
