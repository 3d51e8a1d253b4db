import type { QualityReport } from '@tuneforge/datasets';
import type { EpisodeTurn, HeldOutEpisode, RolloutRecord } from '@tuneforge/contracts';
import type { EvaluationSummary } from './types';

// The data report's own shapes are the datasets library's, which builds it (`import type`: erased at build, so no
// library code enters the bundle). The evaluation report's are the evaluator app's, which the dashboard may not
// import (module boundaries): they are written out below, the fields the pages read.
export type { SourceLocation } from '@tuneforge/datasets';
// A reinforcement job's episodes and rollouts are the contracts' (the evaluator writes them, the training pod too).
export type { EpisodeTurn, HeldOutEpisode, RolloutRecord } from '@tuneforge/contracts';

/** An agent step compared with the reference: what was expected, what the model did. */
export interface StepComparison {
  expected: { kind: string; name?: string; arguments?: Record<string, unknown>; answer?: string };
  predicted?: { kind: string; name?: string; arguments?: Record<string, unknown>; answer?: string; error?: string };
  expectedLabel: string;
  predictedLabel: string;
  toolCorrect: boolean;
  argumentsCorrect: boolean;
}

/** One agent run of one model on one evaluation example, generation by generation. */
export interface Episode {
  example: number;
  end: string;
  finalAnswer?: string;
  turns: EpisodeTurn[];
  score: { steps: StepComparison[]; finalAnswerCorrect?: boolean };
}

export interface AgentModelReport {
  confusion: Record<string, Record<string, number>>;
  expectations: { passed: number; total: number };
  episodes: Episode[];
}

export interface WorstExample {
  index: number;
  metric: string;
  base?: number;
  tuned: number;
  prompt: string;
  reference: string;
  output: string;
}

export interface ReinforcementReport {
  grader: { type: string; name?: string };
  passThreshold: number;
  heldOut: { base: HeldOutEpisode[]; tuned: HeldOutEpisode[] };
  rollouts: RolloutRecord[];
  recordedSteps: number;
}

/** `GET /v1/fine_tuning/jobs/{id}/report?format=json`: the evaluator's report of one iteration. */
export interface EvaluationReport {
  jobId: string;
  iteration: number;
  models: { base: string; tuned: string };
  evaluationSet: { source: string; available: number; evaluated: number };
  notComputed: Array<{ metric: string; reason: string }>;
  summary: EvaluationSummary;
  examples: Array<{ index: number; prompt: string }>;
  agent?: { format: string; episodes: number; base: AgentModelReport; tuned: AgentModelReport };
  reinforcement?: ReinforcementReport;
  worstExamples: WorstExample[];
}

/** `GET /v1/fine_tuning/jobs/{id}/data_report`: datagen's quality report of the prepared dataset. */
export interface DataReport {
  counts?: { inputRecords: number; syntheticRecords: number; trainRecords: number; validationRecords: number };
  recordKind?: string;
  skippedTools?: unknown[];
  report: QualityReport;
}
