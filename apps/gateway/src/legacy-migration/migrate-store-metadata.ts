import { jobIterationRecordedV1 } from '@tuneforge/contracts';
import type { Database } from '@tuneforge/database';
import { ArtifactNotFoundError, DatabaseModelRecords, modelRecordSchema, type ArtifactStore } from '@tuneforge/storage';
import type { z } from 'zod';
import { fileRecordSchema } from '../files/file-record';
import { FileRepository } from '../files/file-repository';
import { answerRecordSchema, approvalRecordSchema, checkpointRecordSchema, eventRecordSchema, jobRecordSchema, resultFilesRecordSchema, statusRecordSchema, type EventRecord } from '../jobs/job-record';
import { JobRepository } from '../jobs/job-repository';
import { LEGACY_FILES_PREFIX, LEGACY_JOBS_PREFIX, LEGACY_MODELS_PREFIX, legacyAnswerKey, legacyFileRecordId, legacyJobId, legacyJobKey, legacyJobPart, legacyResultFilesKey } from './legacy-store-layout';

/** What one tenant's migration found and wrote (a second run writes nothing: every insert is keyed). */
export interface TenantMigration {
  tenant: string;
  files: number;
  jobs: number;
  statuses: number;
  events: number;
  approvals: number;
  answers: number;
  checkpoints: number;
  iterations: number;
  /** Fine-tuned and checkpoint model names (the model registry's records). */
  models: number;
  /** Records that no longer parse (written by an older version, or damaged): named, skipped. */
  skipped: string[];
}

const UNIQUE_VIOLATION = '23505';

/**
 * Copies the gateway's records of every tenant from their JSON objects in the artifact store (the layout before
 * issue #17, `legacy-store-layout.ts`) into the metadata database, through the same repositories the gateway writes
 * with, and the model registry's fine-tuned model names into `models`. Idempotent: rows already there are kept, so it can be run again after an interruption. The objects are left
 * in the store (remove them once the gateway serves from the database). The orchestrator's workflow checkpoints are not
 * carried over: let running jobs finish before migrating (docs/metadata.md).
 */
export async function migrateStoreMetadata(root: ArtifactStore, database: Database, tenants?: readonly string[]): Promise<TenantMigration[]> {
  const jobs = new JobRepository(database);
  const files = new FileRepository(database);
  const models = new DatabaseModelRecords(database);
  const results: TenantMigration[] = [];
  for (const tenant of tenants ?? (await tenantsOf(root))) {
    const store = root.forTenant(tenant);
    const result: TenantMigration = { tenant, files: 0, jobs: 0, statuses: 0, events: 0, approvals: 0, answers: 0, checkpoints: 0, iterations: 0, models: 0, skipped: [] };
    const read = <T>(key: string, schema: z.ZodType<T>) => readRecord(store, key, schema, result.skipped);
    await database.query('INSERT INTO tenants (id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [tenant, Math.floor(Date.now() / 1000)]);

    for await (const { key } of store.list(LEGACY_FILES_PREFIX)) {
      if (!legacyFileRecordId(key)) continue;
      const record = await read(key, fileRecordSchema);
      if (record && (await insertOnce(() => files.insert(tenant, record)))) result.files++;
    }

    const jobIds: string[] = [];
    for await (const { key } of store.list(LEGACY_JOBS_PREFIX)) {
      const id = legacyJobId(key);
      if (id) jobIds.push(id);
    }
    for (const jobId of jobIds.sort()) {
      const record = await read(legacyJobKey(jobId), jobRecordSchema);
      if (!record) continue;
      if (await insertOnce(() => jobs.insert(tenant, record))) result.jobs++;
      for (const status of await readAll(store, legacyJobPart(jobId, 'status'), statusRecordSchema, result.skipped)) {
        if ((await jobs.recordStatus(tenant, status)) === 'recorded') result.statuses++;
      }
      // In the order they arrived, so that their sequence numbers keep it (lists break time ties by it).
      const events = (await readAll(store, legacyJobPart(jobId, 'events'), eventRecordSchema, result.skipped)).sort(byArrival);
      for (const event of events) if ((await jobs.recordEvent(tenant, event)) === 'recorded') result.events++;
      for (const checkpoint of await readAll(store, legacyJobPart(jobId, 'checkpoints'), checkpointRecordSchema, result.skipped)) {
        if ((await jobs.recordCheckpoint(tenant, checkpoint)) === 'recorded') result.checkpoints++;
      }
      for (const request of await readAll(store, legacyJobPart(jobId, 'approvals'), approvalRecordSchema, result.skipped)) {
        if ((await jobs.recordApproval(tenant, request)) === 'recorded') result.approvals++;
        const answer = await read(legacyAnswerKey(jobId, request.approvalId), answerRecordSchema);
        if (answer && (await jobs.recordAnswer(tenant, jobId, request.approvalId, answer)) === 'recorded') result.answers++;
      }
      for (const iteration of await readAll(store, legacyJobPart(jobId, 'iterations'), jobIterationRecordedV1.payload, result.skipped)) {
        if ((await jobs.recordIteration(tenant, iteration)) === 'recorded') result.iterations++;
      }
      const resultFiles = await read(legacyResultFilesKey(jobId), resultFilesRecordSchema);
      if (resultFiles) await jobs.claimResultFiles(tenant, jobId, resultFiles);
    }

    for (const model of await readAll(store, LEGACY_MODELS_PREFIX, modelRecordSchema, result.skipped)) {
      if (await models.get(tenant, model.id)) continue;
      await models.put(tenant, model);
      result.models++;
    }
    results.push(result);
  }
  return results;
}

/** The tenants with a part of the store: `tenants/<tenant>/...`. */
async function tenantsOf(root: ArtifactStore): Promise<string[]> {
  const tenants = new Set<string>();
  for await (const { key } of root.list('tenants/')) {
    const tenant = /^tenants\/([^/]+)\//.exec(key)?.[1];
    if (tenant) tenants.add(tenant);
  }
  return [...tenants].sort();
}

function byArrival(a: EventRecord, b: EventRecord): number {
  return a.created_at - b.created_at || a.received_at - b.received_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Whether the insert wrote a row: a row already there (an earlier run) is not an error. */
async function insertOnce(insert: () => Promise<void>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
    throw error;
  }
}

async function readRecord<T>(store: ArtifactStore, key: string, schema: z.ZodType<T>, skipped: string[]): Promise<T | undefined> {
  try {
    return await store.getJson(key, schema);
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) return undefined;
    if ((error as Error).name === 'ArtifactIntegrityError' || error instanceof SyntaxError) {
      skipped.push(`${key}: ${(error as Error).message.split('\n')[0]}`);
      return undefined;
    }
    throw error;
  }
}

async function readAll<T>(store: ArtifactStore, prefix: string, schema: z.ZodType<T>, skipped: string[]): Promise<T[]> {
  const out: T[] = [];
  for await (const { key } of store.list(prefix)) {
    if (!key.endsWith('.json')) continue;
    const value = await readRecord(store, key, schema, skipped);
    if (value !== undefined) out.push(value);
  }
  return out;
}
