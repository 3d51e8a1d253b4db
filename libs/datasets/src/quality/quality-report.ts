import type { DatasetRecord, SourceLocation } from '../conversation/dataset-record';
import { findNearDuplicates, MinHasher } from '../dedup/minhash';
import { recordText } from '../dedup/record-text';
import type { DatasetError, DatasetErrorDetails } from '../errors/dataset-error';
import { checkReactCompletion, checkReactSamples, violationToError } from '../react/react-rules';
import type { TruncationReport } from '../tokenization/packing';

export interface HistogramBucket {
  from: number;
  /** Exclusive upper bound. */
  to: number;
  count: number;
}

export interface LengthStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
  histogram: HistogramBucket[];
}

export interface DuplicateGroup {
  locations: SourceLocation[];
  similarity?: number;
}

export interface QualityReport {
  records: number;
  errorCount: number;
  byFormat: Record<string, number>;
  byKind: Record<string, number>;
  byRole: Record<string, number>;
  tokenLengths?: LengthStats;
  truncation?: Omit<TruncationReport, 'cuts'>;
  duplicates: { exact: DuplicateGroup[]; near: DuplicateGroup[]; exactRecords: number; nearPairs: number };
  toolBalance: { tool: number; noTool: number; toolShare: number; balanced: boolean };
  toolUsage: Record<string, number>;
  violations: { total: number; listed: DatasetErrorDetails[] };
  leakage?: { validationRecords: number; exact: number; near: number; pairs: Array<{ train: SourceLocation; validation: SourceLocation; similarity: number }> };
}

export interface QualityReportInput {
  records: DatasetRecord[];
  errors?: DatasetError[];
  /** Held-out records, checked for leakage from `records`. */
  validation?: DatasetRecord[];
  /** Token count per record, in the order of `records`. */
  tokenLengths?: number[];
  truncation?: TruncationReport;
  nearDuplicateThreshold?: number;
  histogramBuckets?: number;
  /** Minimum share of the rarer of tool and no-tool samples. */
  minMinorityShare?: number;
}

const MAX_LISTED = 100;

function increment(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Whether a record teaches a tool call, and which tools it calls. */
function toolUse(record: DatasetRecord): { usesTool: boolean; tools: string[] } {
  if (record.kind === 'prompt_completion') {
    const check = checkReactCompletion(record.sample);
    const action = /\nAction:\s*(.+)/.exec(record.sample.completion);
    return { usesTool: check.kind === 'tool', tools: check.kind === 'tool' && action ? [action[1].trim()] : [] };
  }
  const messages = record.kind === 'conversation' ? record.conversation.messages : record.pair.preferred_output;
  const tools = messages.flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []).map((c) => c.function.name) : []));
  return { usesTool: tools.length > 0, tools };
}

export function lengthStats(lengths: number[], buckets = 20): LengthStats {
  const sorted = [...lengths].sort((a, b) => a - b);
  const count = sorted.length;
  if (count === 0) return { count: 0, min: 0, max: 0, mean: 0, p50: 0, p95: 0, histogram: [] };
  const min = sorted[0];
  const max = sorted[count - 1];
  const width = Math.max(1, Math.ceil((max - min + 1) / buckets));
  const histogram: HistogramBucket[] = [];
  for (let from = min; from <= max; from += width) histogram.push({ from, to: from + width, count: 0 });
  for (const length of sorted) histogram[Math.floor((length - min) / width)].count++;
  const quantile = (q: number) => sorted[Math.min(count - 1, Math.floor(q * count))];
  return { count, min, max, mean: sorted.reduce((a, b) => a + b, 0) / count, p50: quantile(0.5), p95: quantile(0.95), histogram };
}

function payloadKey(record: DatasetRecord): string {
  return JSON.stringify(record.kind === 'conversation' ? record.conversation : record.kind === 'preference' ? record.pair : record.sample);
}

/**
 * The data quality report the datagen service stores next to a prepared dataset and the debugger reads:
 * what the data is made of, what is wrong with it (with the line of each violation), and what would make
 * training or evaluation misleading — duplicates, an unbalanced tool/no-tool mix, cut samples, and
 * validation records that also appear in training.
 */
export function buildQualityReport(input: QualityReportInput): QualityReport {
  const { records } = input;
  const byFormat: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const byRole: Record<string, number> = {};
  const toolUsage: Record<string, number> = {};
  let tool = 0;
  let noTool = 0;
  for (const record of records) {
    increment(byFormat, record.format);
    increment(byKind, record.kind);
    const messages = record.kind === 'conversation' ? record.conversation.messages : record.kind === 'preference' ? record.pair.input.messages : [];
    for (const m of messages) increment(byRole, m.role);
    if (record.kind === 'preference') increment(byRole, 'assistant', record.pair.preferred_output.length + record.pair.non_preferred_output.length);
    const use = toolUse(record);
    if (use.usesTool) tool++;
    else noTool++;
    for (const name of use.tools) increment(toolUsage, name);
  }

  const exactGroups = new Map<string, SourceLocation[]>();
  for (const record of records) {
    const key = payloadKey(record);
    const group = exactGroups.get(key);
    if (group) group.push(record.location);
    else exactGroups.set(key, [record.location]);
  }
  const exact = [...exactGroups.values()].filter((g) => g.length > 1);

  const hasher = new MinHasher();
  const threshold = input.nearDuplicateThreshold ?? 0.8;
  const trainSignatures = records.map((r) => hasher.signature(recordText(r)));
  const keys = records.map(payloadKey);
  const nearPairs = findNearDuplicates(trainSignatures, threshold).filter((p) => keys[p.a] !== keys[p.b]);

  const react = checkReactSamples(
    records.flatMap((r) => (r.kind === 'prompt_completion' ? [{ sample: r.sample, location: r.location }] : [])),
    { minMinorityShare: input.minMinorityShare },
  );
  const violations = [...(input.errors ?? []).map((e) => e.toJSON()), ...react.violations.map((v) => violationToError(v).toJSON())];

  const total = tool + noTool;
  const minority = total ? Math.min(tool, noTool) / total : 0;
  const report: QualityReport = {
    records: records.length,
    errorCount: (input.errors ?? []).length,
    byFormat,
    byKind,
    byRole,
    duplicates: {
      exact: exact.slice(0, MAX_LISTED).map((locations) => ({ locations })),
      near: nearPairs.slice(0, MAX_LISTED).map((p) => ({ locations: [records[p.a].location, records[p.b].location], similarity: p.similarity })),
      exactRecords: exact.reduce((n, g) => n + g.length - 1, 0),
      nearPairs: nearPairs.length,
    },
    toolBalance: { tool, noTool, toolShare: total ? tool / total : 0, balanced: minority >= (input.minMinorityShare ?? 0.2) },
    toolUsage,
    violations: { total: violations.length, listed: violations.slice(0, MAX_LISTED) },
  };
  if (input.tokenLengths) report.tokenLengths = lengthStats(input.tokenLengths, input.histogramBuckets);
  if (input.truncation) {
    const summary: Partial<TruncationReport> = { ...input.truncation };
    delete summary.cuts;
    report.truncation = summary as Omit<TruncationReport, 'cuts'>;
  }
  if (input.validation) report.leakage = leakage(records, trainSignatures, keys, input.validation, hasher, threshold);
  return report;
}

function leakage(
  train: DatasetRecord[],
  trainSignatures: Uint32Array[],
  trainKeys: string[],
  validation: DatasetRecord[],
  hasher: MinHasher,
  threshold: number,
): NonNullable<QualityReport['leakage']> {
  const validationSignatures = validation.map((r) => hasher.signature(recordText(r)));
  const trainKeySet = new Set(trainKeys);
  const exactCount = validation.filter((r) => trainKeySet.has(payloadKey(r))).length;
  const offset = train.length;
  const crossing = findNearDuplicates([...trainSignatures, ...validationSignatures], threshold).filter((p) => p.a < offset && p.b >= offset);
  const leaked = new Set(crossing.map((p) => p.b));
  return {
    validationRecords: validation.length,
    exact: exactCount,
    near: leaked.size,
    pairs: crossing.slice(0, MAX_LISTED).map((p) => ({ train: train[p.a].location, validation: validation[p.b - offset].location, similarity: p.similarity })),
  };
}
