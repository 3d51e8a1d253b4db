import type { EvaluationSummary } from './types';

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
  turns: Array<{ raw: string; finishReason: string; stop?: string; action: string; error?: string; calls: Array<{ name: string; arguments: Record<string, unknown>; observation: string }> }>;
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
  worstExamples: WorstExample[];
}

/** Where a record is in the uploaded file: its file name, 1-based line (and CSV row). */
export interface SourceLocation {
  file: string;
  line: number;
  row?: number;
}

/** A record that breaks a rule (ReAct format, schema), located to the field. */
export interface RuleViolation {
  code: string;
  file: string;
  line?: number;
  row?: number;
  path: string;
  expected: string;
  received?: string;
}

export interface LengthStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
  histogram: Array<{ from: number; to: number; count: number }>;
}

/** `GET /v1/fine_tuning/jobs/{id}/data_report`: datagen's quality report of the prepared dataset. */
export interface DataReport {
  counts?: { inputRecords: number; syntheticRecords: number; trainRecords: number; validationRecords: number };
  recordKind?: string;
  skippedTools?: unknown[];
  report: {
    records: number;
    errorCount: number;
    byFormat: Record<string, number>;
    byKind: Record<string, number>;
    byRole: Record<string, number>;
    tokenLengths?: LengthStats;
    truncation?: Record<string, unknown>;
    duplicates: { exact: Array<{ locations: SourceLocation[]; similarity?: number }>; near: Array<{ locations: SourceLocation[]; similarity?: number }>; exactRecords: number; nearPairs: number };
    toolBalance: { tool: number; noTool: number; toolShare: number; balanced: boolean };
    toolUsage: Record<string, number>;
    violations: { total: number; listed: RuleViolation[] };
    leakage?: { validationRecords: number; exact: number; near: number; pairs: Array<{ train: SourceLocation; validation: SourceLocation; similarity: number }> };
  };
}
