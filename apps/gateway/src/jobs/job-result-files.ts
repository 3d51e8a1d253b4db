import type { ArtifactStore } from '@tuneforge/storage';
import { createHash } from 'node:crypto';
import { newFileId } from '../files/file-id';
import { fileContentKey, type FileRecord } from '../files/file-record';
import type { FileRepository } from '../files/file-repository';
import type { EventRecord, ResultFilesRecord, StatusRecord } from './job-record';
import type { JobRepository } from './job-repository';

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
 * `fine-tune-results`, listed by `GET /v1/files`, read with `GET /v1/files/{id}/content`), its id recorded in
 * `job_result_files`. The gateway owns this (not the orchestrator): the files API and its records are the
 * gateway's, and the job's metrics events are already projected when the status arrives (the orchestrator
 * publishes every step's event before the run completes). Called before the `succeeded` status is recorded, so a
 * job shown succeeded has its file. A redelivered status finds the job's row in `job_result_files` and does nothing;
 * of two instances racing, the one whose insert the primary key lets in keeps its file (its record is inserted in the
 * same transaction), and the other deletes its bytes.
 */
export async function writeResultFiles(store: ArtifactStore, jobs: JobRepository, files: FileRepository, tenant: string, status: StatusRecord): Promise<ResultFilesRecord> {
  const existing = await jobs.resultFiles(tenant, status.jobId);
  if (existing) return existing;
  const csv = Buffer.from(stepMetricsCsv(await jobs.metricsEvents(tenant, status.jobId), runOfResults(status.result_files)));
  const id = newFileId();
  const tenantStore = store.forTenant(tenant);
  await tenantStore.put(fileContentKey(id), csv, { contentType: 'text/csv' });
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
  const record: ResultFilesRecord = { file_ids: [id] };
  const won = await jobs.db.transaction(async (tx) => {
    if (!(await jobs.claimResultFiles(tenant, status.jobId, record, tx))) return false;
    await files.insert(tenant, file, tx);
    return true;
  });
  if (won) return record;
  await tenantStore.delete(fileContentKey(id));
  return (await jobs.resultFiles(tenant, status.jobId)) ?? { file_ids: [] };
}
