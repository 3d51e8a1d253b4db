import { Readable } from 'node:stream';
import { conversationToOpenAIJson, preferenceToOpenAIJson, renderQualityReportHtml, type DatasetRecord } from '@tuneforge/datasets';
import { ArtifactNotCommittedError, ArtifactWriter, openArtifact, type ArtifactStore } from '@tuneforge/storage';
import { z } from 'zod';
import type { Preparation, PreparationCounts } from './prepare-dataset';

export const DATASET_ARTIFACT_KIND = 'prepared-dataset';
export const REPORT_ARTIFACT_KIND = 'data-quality-report';

export interface PreparedArtifacts {
  dataset: string;
  report: string;
}

/**
 * A task's artifacts live under its job and task id: a redelivered or re-sent task finds what an earlier
 * attempt committed instead of writing it twice, and an attempt killed half-way leaves files without a
 * manifest that the next attempt of the same task (the prefix's only owner) replaces.
 */
export function artifactPrefixes(jobId: string, taskId: string): PreparedArtifacts {
  const base = `jobs/${jobId}/data-preparation/${taskId}`;
  return { dataset: `${base}/dataset`, report: `${base}/report` };
}

const countsSchema = z.object({
  inputRecords: z.number().int().nonnegative(),
  syntheticRecords: z.number().int().nonnegative(),
  trainRecords: z.number().int().nonnegative(),
  validationRecords: z.number().int().nonnegative(),
});

/** The counts of a task whose artifacts are both committed; undefined if either is not (yet). */
export async function findCommitted(store: ArtifactStore, prefixes: PreparedArtifacts): Promise<PreparationCounts | undefined> {
  try {
    // The report is committed last, so it being there means the dataset is too; opening both verifies it.
    const report = await openArtifact(store, prefixes.report);
    await openArtifact(store, prefixes.dataset);
    return countsSchema.parse(report.manifest.metadata?.counts);
  } catch (error) {
    if (error instanceof ArtifactNotCommittedError) return undefined;
    throw error;
  }
}

function jsonLine(record: DatasetRecord): string {
  const json = record.kind === 'conversation' ? conversationToOpenAIJson(record.conversation) : record.kind === 'preference' ? preferenceToOpenAIJson(record.pair) : record.sample;
  return `${JSON.stringify(json)}\n`;
}

function jsonl(records: DatasetRecord[], rawLines?: Array<Record<string, unknown>>): Readable {
  return Readable.from(
    (function* () {
      // A reinforcement line is written as it came: its extra fields are the grader's.
      if (rawLines) for (const line of rawLines) yield `${JSON.stringify(line)}\n`;
      else for (const record of records) yield jsonLine(record);
    })(),
  );
}

const JSONL = { contentType: 'application/jsonl' };

/** Writes the dataset, then the report, each committed by its manifest; skips one an earlier attempt committed. */
export async function writePrepared(
  store: ArtifactStore,
  prefixes: PreparedArtifacts,
  prepared: Extract<Preparation, { ok: true }>,
  metadata: { jobId: string; taskId: string; requestMessageId: string },
): Promise<void> {
  const common = { ...metadata, recordKind: prepared.kind, counts: prepared.counts };
  if (!(await isCommitted(store, prefixes.dataset))) {
    const dataset = await ArtifactWriter.begin(store, prefixes.dataset, { kind: DATASET_ARTIFACT_KIND, metadata: common, replaceUncommitted: true });
    await dataset.addFile('train.jsonl', jsonl(prepared.train, prepared.rawLines?.train), JSONL);
    await dataset.addFile('validation.jsonl', jsonl(prepared.validation, prepared.rawLines?.validation), JSONL);
    await dataset.commit();
  }
  const report = await ArtifactWriter.begin(store, prefixes.report, { kind: REPORT_ARTIFACT_KIND, metadata: common, replaceUncommitted: true });
  const json = { ...common, skippedTools: prepared.skippedTools, ...(prepared.synthesis && { synthesis: prepared.synthesis }), ...(prepared.retrieval && { retrieval: prepared.retrieval }), report: prepared.report };
  await report.addFile('report.json', `${JSON.stringify(json, null, 2)}\n`, { contentType: 'application/json' });
  await report.addFile('report.html', renderQualityReportHtml(prepared.report, `Dataset quality report — job ${metadata.jobId}`), { contentType: 'text/html; charset=utf-8' });
  await report.commit();
}

async function isCommitted(store: ArtifactStore, prefix: string): Promise<boolean> {
  try {
    await openArtifact(store, prefix);
    return true;
  } catch (error) {
    if (error instanceof ArtifactNotCommittedError) return false;
    throw error;
  }
}
