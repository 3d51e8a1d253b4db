import { evaluationSummarySchema, type EvaluationSummary } from '@tuneforge/contracts';
import { ArtifactNotCommittedError, ArtifactNotFoundError, ArtifactWriter, openArtifact, type ArtifactStore } from '@tuneforge/storage';
import type { EvaluationReport } from '../evaluation/evaluation-report';
import { renderReportHtml } from './report-html';

export const EVALUATION_REPORT_KIND = 'evaluation-report';
export const REPORT_JSON = 'report.json';
export const REPORT_HTML = 'report.html';

/**
 * A task's report lives under its job and task id (tenant-relative): a task delivered again finds what an
 * earlier attempt committed, and files an interrupted attempt left without a manifest are replaced by the
 * next attempt of the same task, the prefix's only owner.
 */
export function reportPrefix(jobId: string, taskId: string): string {
  return `jobs/${jobId}/evaluation/${taskId}/report`;
}

/** The summary of a committed report (kept in the manifest's metadata), or undefined when there is none yet. */
export async function findCommittedSummary(store: ArtifactStore, prefix: string): Promise<EvaluationSummary | undefined> {
  try {
    const artifact = await openArtifact(store, prefix);
    return evaluationSummarySchema.parse(artifact.manifest.metadata?.summary);
  } catch (error) {
    if (error instanceof ArtifactNotCommittedError || error instanceof ArtifactNotFoundError) return undefined;
    throw error;
  }
}

/** Writes report.json and report.html under the prefix, committed by the manifest (which carries the summary). */
export async function writeReport(store: ArtifactStore, prefix: string, report: EvaluationReport, metadata: { requestMessageId: string }): Promise<void> {
  const writer = await ArtifactWriter.begin(store, prefix, {
    kind: EVALUATION_REPORT_KIND,
    metadata: { jobId: report.jobId, taskId: report.taskId, iteration: report.iteration, requestMessageId: metadata.requestMessageId, summary: report.summary },
    replaceUncommitted: true,
  });
  await writer.addFile(REPORT_JSON, `${JSON.stringify(report, null, 2)}\n`, { contentType: 'application/json' });
  await writer.addFile(REPORT_HTML, renderReportHtml(report), { contentType: 'text/html; charset=utf-8' });
  await writer.commit();
}
