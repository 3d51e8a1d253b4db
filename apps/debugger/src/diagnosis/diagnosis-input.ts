import type { CurvePoint, EvaluationSummary, FunctionTool, JobConfig } from '@tuneforge/contracts';
import type { SourceLocation } from '@tuneforge/datasets';

/** Reference 000's rules a ReAct completion can break that the debugger turns into findings. */
export type ReactDefect = 'stop_at_observation' | 'predicted_observation';

/** How many training samples break one ReAct rule, and where the first of them are. */
export interface ReactDefectCount {
  count: number;
  /** The first few, so a user can open the file at the line. */
  examples: SourceLocation[];
}

/**
 * What the data rules read, distilled from datagen's quality report (`report.json`) and the prepared
 * training samples. Everything is about the training split: that is what the model learned from.
 */
export interface DataEvidence {
  recordKind: string;
  /** Training records (user and synthetic). */
  records: number;
  syntheticRecords: number;
  /** The report's tool/no-tool mix and its own verdict on it. */
  toolBalance: { tool: number; noTool: number; toolShare: number; balanced: boolean };
  /** Calls per tool name over the training records, from the report. */
  toolUsage: Record<string, number>;
  /** ReAct prompt/completion samples checked against reference 000 (0 for chat records). */
  reactSamples: number;
  /** Of those, the ones that call a tool (the ones that must stop at `\nObservation:`). */
  reactToolSamples: number;
  reactDefects: Record<ReactDefect, ReactDefectCount>;
  /** The tool sets the samples offer the model (their `tools`, or the job's tools a ReAct prompt lists). */
  offeredTools: {
    /** Samples that offer at least one tool. */
    samplesOffering: number;
    /** Different sets among them (a set is the sorted tool names). */
    distinctSets: number;
    /** Every tool name offered by any sample. */
    toolNames: string[];
  };
  /** From the report when datagen had the task's tokenizer. */
  truncation?: { samples: number; truncated: number; dropped: number; truncationRate: number };
  tokenLengths?: { max: number; p95: number; mean: number };
}

/** Everything one diagnosis reads, typed and already loaded: rules are pure functions of this. */
export interface DiagnosisInput {
  config: JobConfig;
  tools: FunctionTool[];
  /** In step order. */
  curve: CurvePoint[];
  totalSteps: number;
  /** Null when no data report could be read (the data rules then say nothing). */
  data: DataEvidence | null;
  evaluation: EvaluationSummary | null;
}
