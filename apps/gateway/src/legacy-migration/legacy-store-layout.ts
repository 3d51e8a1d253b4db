/**
 * Where the gateway kept its records in each tenant's part of the artifact store before they moved to the metadata
 * database (issue #17). Read only by the one-shot migration (`migrate-store-metadata.ts`); nothing writes them now.
 *
 * - `files/<id>/meta.json`: a file's record (its bytes, at `files/<id>/content`, stay where they are);
 * - `gateway/jobs/<jobId>/job.json`: the accepted request and resolved config;
 * - `gateway/jobs/<jobId>/status/<status>.json`, `events/<sha256(id)>.json`, `approvals/<id>.json`,
 *   `answers/<id>.json`, `checkpoints/<run>-<step>.json`, `iterations/<n>-<stage>.json`, `result_files.json`;
 * - `registry/models/<sha256(name)>.json`: a fine-tuned or checkpoint model's name (the model registry's record).
 */
export const LEGACY_FILES_PREFIX = 'files/';
export const LEGACY_JOBS_PREFIX = 'gateway/jobs/';
export const LEGACY_MODELS_PREFIX = 'registry/models/';

export const legacyFileRecordId = (key: string) => /^files\/([^/]+)\/meta\.json$/.exec(key)?.[1];
export const legacyJobId = (key: string) => /^gateway\/jobs\/([^/]+)\/job\.json$/.exec(key)?.[1];
export const legacyJobKey = (jobId: string) => `${LEGACY_JOBS_PREFIX}${jobId}/job.json`;
export const legacyJobPart = (jobId: string, part: 'status' | 'events' | 'approvals' | 'answers' | 'checkpoints' | 'iterations') => `${LEGACY_JOBS_PREFIX}${jobId}/${part}/`;
export const legacyAnswerKey = (jobId: string, approvalId: string) => `${legacyJobPart(jobId, 'answers')}${approvalId}.json`;
export const legacyResultFilesKey = (jobId: string) => `${LEGACY_JOBS_PREFIX}${jobId}/result_files.json`;
