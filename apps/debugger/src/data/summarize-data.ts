import type { FunctionTool } from '@tuneforge/contracts';
import { checkReactSamples, type DatasetRecord } from '@tuneforge/datasets';
import type { DataEvidence, ReactDefect, ReactDefectCount } from '../diagnosis/diagnosis-input';
import type { DataReportFile } from './data-report.schema';

/** Locations listed per defect: enough to find the pattern, short enough for a message. */
const MAX_EXAMPLES = 5;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The tool names a sample offers the model: the `tools` of a chat record, or — for a ReAct prompt/completion,
 * which has no structured tools — the job's tools its prompt lists.
 */
function offeredTools(record: DatasetRecord, jobTools: readonly string[]): string[] {
  if (record.kind === 'conversation') return (record.conversation.tools ?? []).map((t) => t.function.name);
  if (record.kind === 'preference') return (record.pair.input.tools ?? []).map((t) => t.function.name);
  return jobTools.filter((name) => new RegExp(`(^|[^A-Za-z0-9_-])${escapeRegExp(name)}($|[^A-Za-z0-9_-])`).test(record.sample.prompt));
}

/**
 * Distils the report and the training samples into what the data rules read. The ReAct checks are libs/datasets'
 * own (checkReactSamples, the rules the quality report lists): here they are counted over every training sample,
 * where the report lists only the first hundred violations.
 */
export function summarizeData(report: DataReportFile, train: readonly DatasetRecord[], tools: readonly FunctionTool[]): DataEvidence {
  const react = checkReactSamples(train.flatMap((r) => (r.kind === 'prompt_completion' ? [{ sample: r.sample, location: r.location }] : [])));
  const defects: Record<ReactDefect, ReactDefectCount> = { stop_at_observation: { count: 0, examples: [] }, predicted_observation: { count: 0, examples: [] } };
  // One sample can break a rule in several ways at once; it counts once per rule.
  const seen = new Set<string>();
  for (const violation of react.violations) {
    if (violation.rule !== 'stop_at_observation' && violation.rule !== 'predicted_observation') continue;
    const key = `${violation.rule}:${violation.location.file}:${violation.location.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = defects[violation.rule];
    entry.count++;
    if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(violation.location);
  }

  const jobTools = tools.map((t) => t.function.name);
  const sets = new Set<string>();
  const names = new Set<string>();
  let samplesOffering = 0;
  for (const record of train) {
    const offered = [...new Set(offeredTools(record, jobTools))].sort();
    if (offered.length === 0) continue;
    samplesOffering++;
    sets.add(offered.join('\u0000'));
    for (const name of offered) names.add(name);
  }

  const { truncation, tokenLengths } = report.report;
  return {
    recordKind: report.recordKind,
    records: report.report.records,
    syntheticRecords: report.counts.syntheticRecords,
    toolBalance: report.report.toolBalance,
    toolUsage: report.report.toolUsage,
    reactSamples: react.checked,
    reactToolSamples: react.balance.tool,
    reactDefects: defects,
    offeredTools: { samplesOffering, distinctSets: sets.size, toolNames: [...names].sort() },
    ...(truncation && { truncation: { samples: truncation.samples, truncated: truncation.truncated, dropped: truncation.dropped, truncationRate: truncation.truncationRate } }),
    ...(tokenLengths && { tokenLengths: { max: tokenLengths.max, p95: tokenLengths.p95, mean: tokenLengths.mean } }),
  };
}
