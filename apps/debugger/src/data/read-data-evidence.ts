import { formatZodIssues, type FunctionTool } from '@tuneforge/contracts';
import { collectDataset } from '@tuneforge/datasets';
import { ArtifactIntegrityError, ArtifactNotCommittedError, ArtifactNotFoundError, openArtifact, type ArtifactStore } from '@tuneforge/storage';
import type { DataEvidence } from '../diagnosis/diagnosis-input';
import { DiagnosisInputError } from '../diagnosis/diagnosis-input-error';
import { dataReportFileSchema } from './data-report.schema';
import { summarizeData } from './summarize-data';

export const REPORT_FILE = 'report.json';
export const TRAIN_FILE = 'train.jsonl';

/** A missing or half-written artifact is the request's fault (it names a prefix that is not there): not retried. */
async function fromArtifact<T>(prefix: string, path: string, field: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ArtifactNotCommittedError || error instanceof ArtifactNotFoundError || error instanceof ArtifactIntegrityError) {
      throw new DiagnosisInputError(`${field}: expected a committed artifact with ${path} at "${prefix}", got: ${error.message}`);
    }
    throw error; // The store being away is retried by the bus.
  }
}

/**
 * Reads datagen's quality report and the prepared training samples from the tenant's store and summarizes them
 * for the data rules. Everything that is wrong with them is a DiagnosisInputError naming the file and field.
 */
export async function readDataEvidence(store: ArtifactStore, prefixes: { dataReport: string; dataset: string }, tools: readonly FunctionTool[]): Promise<DataEvidence> {
  const reportKey = `${prefixes.dataReport}/${REPORT_FILE}`;
  let json: unknown;
  try {
    const body = await fromArtifact(prefixes.dataReport, REPORT_FILE, 'dataReport', async () => (await openArtifact(store, prefixes.dataReport)).readFile(REPORT_FILE));
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new DiagnosisInputError(`${reportKey}: expected JSON, got: ${error.message}`);
    throw error;
  }
  const report = dataReportFileSchema.safeParse(json);
  if (!report.success) throw new DiagnosisInputError(`${reportKey} is not a data quality report:\n${formatZodIssues(report.error.issues)}`);

  const trainKey = `${prefixes.dataset}/${TRAIN_FILE}`;
  // Streamed through the dataset readers (their caps apply); the stream fails at its end if the bytes do not
  // match the manifest, which surfaces here as an integrity error.
  const train = await fromArtifact(prefixes.dataset, TRAIN_FILE, 'dataset', async () =>
    collectDataset(await (await openArtifact(store, prefixes.dataset)).openFile(TRAIN_FILE), { file: trainKey, format: 'auto' }),
  );
  if (train.errors.length > 0) {
    const first = train.errors[0].toJSON();
    throw new DiagnosisInputError(`${trainKey}: ${train.errors.length} unreadable record(s); line ${first.line ?? '?'}, field ${first.path || '(record)'}: expected ${first.expected}`);
  }
  return summarizeData(report.data, train.records, tools);
}
