import { ArtifactExistsError, ArtifactNotFoundError, type ArtifactStore } from '@tuneforge/storage';
import { createHash } from 'node:crypto';
import { newFileId } from '../files/file-id';
import { fileContentKey, fileRecordKey, type FileRecord } from '../files/file-record';
import { eventRecordSchema, eventsPrefix, resultFilesKey, resultFilesRecordSchema, type EventRecord, type ResultFilesRecord, type StatusRecord } from './job-record';

/** OpenAI's step-metrics CSV columns, in its order; a value the run did not measure is an empty cell. */
export const STEP_METRICS_COLUMNS = ['step', 'train_loss', 'train_accuracy', 'valid_loss', 'valid_mean_token_accuracy'] as const;
export const STEP_METRICS_FILENAME = 'step_metrics.csv';

/** Which metrics field of an event fills which column. */
const SOURCE: Record<(typeof STEP_METRICS_COLUMNS)[number], string> = {
  step: 'step',
  train_loss: 'train_loss',
  train_accuracy: 'train_mean_token_accuracy',
  valid_loss: 'valid_loss',
  valid_mean_token_accuracy: 'valid_mean_token_accuracy',
};

/** The run a succeeded job's model came from: `jobs/<job>/training/<run>/merged` among its result artifacts. */
export function runOfResults(resultArtifacts: readonly string[]): string | undefined {
  for (const prefix of resultArtifacts) {
    const run = /\/training\/([^/]+)\//.exec(prefix)?.[1];
    if (run) return run;
  }
  return undefined;
}

/**
 * One row per step of the run that made the model, from the job's `metrics` events (a step's event has the
 * training loss; a checkpoint's event, at the same step, the validation loss). A job of several iterations has
 * several runs: the one named (else the newest event's run) is kept.
 */
export function stepMetricsCsv(events: readonly EventRecord[], runId?: string): string {
  const metrics = events.filter((event) => event.type === 'metrics' && typeof event.data?.step === 'number');
  const runOf = (event: EventRecord) => (typeof event.data?.run_id === 'string' ? event.data.run_id : undefined);
  const newest = [...metrics].sort((a, b) => b.created_at - a.created_at || b.received_at - a.received_at)[0];
  const run = runId && metrics.some((event) => runOf(event) === runId) ? runId : newest ? runOf(newest) : undefined;
  const rows = new Map<number, Record<string, number>>();
  for (const event of metrics) {
    if (run !== undefined && runOf(event) !== run) continue;
    const step = event.data!.step as number;
    const row = rows.get(step) ?? {};
    for (const [column, field] of Object.entries(SOURCE)) {
      const value = event.data![field];
      if (typeof value === 'number' && Number.isFinite(value)) row[column] = value;
    }
    rows.set(step, row);
  }
  const lines = [...rows.keys()].sort((a, b) => a - b).map((step) => STEP_METRICS_COLUMNS.map((column) => (rows.get(step)![column] ?? '').toString()).join(','));
  return `${[STEP_METRICS_COLUMNS.join(','), ...lines].join('\n')}\n`;
}

/**
 * Makes a succeeded job's result files: its step-metrics CSV stored as a file of the tenant (purpose
 * `fine-tune-results`, listed by `GET /v1/files`, read with `GET /v1/files/{id}/content`), its id recorded at
 * `result_files.json`. The gateway owns this (not the orchestrator): the files API and its records are the
 * gateway's, and the job's metrics events are already projected in its store when the status arrives (the
 * orchestrator publishes every step's event before the run completes). Called before the `succeeded` status is
 * recorded, so a job shown succeeded has its file. A redelivered status finds `result_files.json` and does
 * nothing; two instances racing keep the first record and the loser deletes its copy.
 */
export async function writeResultFiles(store: ArtifactStore, status: StatusRecord): Promise<ResultFilesRecord> {
  const existing = await readResultFiles(store, status.jobId);
  if (existing) return existing;
  const events: EventRecord[] = [];
  for await (const { key } of store.list(eventsPrefix(status.jobId))) {
    if (!key.endsWith('.json')) continue;
    try {
      events.push(await store.getJson(key, eventRecordSchema));
    } catch (error) {
      if (!(error instanceof ArtifactNotFoundError)) throw error;
    }
  }
  const csv = Buffer.from(stepMetricsCsv(events, runOfResults(status.result_files)));
  const id = newFileId();
  await store.put(fileContentKey(id), csv, { contentType: 'text/csv' });
  const file: FileRecord = {
    id,
    bytes: csv.length,
    sha256: createHash('sha256').update(csv).digest('hex'),
    filename: STEP_METRICS_FILENAME,
    purpose: 'fine-tune-results',
    content_type: 'text/csv',
    created_at: status.changed_at,
    status: 'processed',
  };
  await store.put(fileRecordKey(id), JSON.stringify(file), { contentType: 'application/json' });
  const record: ResultFilesRecord = { file_ids: [id] };
  try {
    await store.put(resultFilesKey(status.jobId), JSON.stringify(record), { contentType: 'application/json' });
    return record;
  } catch (error) {
    if (!(error instanceof ArtifactExistsError)) throw error;
    await store.delete(fileRecordKey(id));
    await store.delete(fileContentKey(id));
    return (await readResultFiles(store, status.jobId)) ?? { file_ids: [] };
  }
}

export async function readResultFiles(store: ArtifactStore, jobId: string): Promise<ResultFilesRecord | undefined> {
  try {
    return await store.getJson(resultFilesKey(jobId), resultFilesRecordSchema);
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) return undefined;
    throw error;
  }
}
