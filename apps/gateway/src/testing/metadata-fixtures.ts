import { configFromRequest, jobSpecSchema, loadDefaultConfig, resolvedMethod } from '@tuneforge/contracts';
import { openDatabase, type Database } from '@tuneforge/database';
import { createLogger, type Logger } from '@tuneforge/telemetry';
import { Writable } from 'node:stream';
import { FileRepository } from '../files/file-repository';
import { newJobId, type EventRecord, type JobRecord } from '../jobs/job-record';
import { JobRepository } from '../jobs/job-repository';

/** A logger that keeps what it is told, for tests that check a line was logged. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write: (chunk, _encoding, done) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('gateway-test', { level: 'info', destination }), lines };
}

export interface Metadata {
  db: Database;
  jobs: JobRepository;
  files: FileRepository;
}

/** A migrated PGlite in memory (as the gateway gets in embedded mode and unit tests) with the gateway's repositories. */
export async function openMetadata(): Promise<Metadata> {
  const db = await openDatabase('pglite:memory');
  return { db, jobs: new JobRepository(db), files: new FileRepository(db) };
}

const defaults = loadDefaultConfig();

/** A valid job record, as the jobs service writes it. */
export function jobRecord(overrides: { id?: string; createdAt?: number; metadata?: Record<string, string> } = {}): JobRecord {
  const spec = jobSpecSchema.parse({ model: 'tiny-llama', training_file: 'file-a', ...(overrides.metadata ? { metadata: overrides.metadata } : {}) });
  const config = configFromRequest(defaults, spec);
  return { id: overrides.id ?? newJobId(), created_at: overrides.createdAt ?? 1_765_000_000, spec, config, files: { training: 'files/file-a/content' }, model: 'models/tiny-llama', method: resolvedMethod(config, defaults) };
}

/** Inserts a job and returns its record. */
export async function insertJob(jobs: JobRepository, tenant: string, overrides: Parameters<typeof jobRecord>[0] = {}): Promise<JobRecord> {
  const record = jobRecord(overrides);
  await jobs.insert(tenant, record);
  return record;
}

export const eventRecord = (jobId: string, id: string, createdAt: number, data: Record<string, unknown> | null = null, type: EventRecord['type'] = 'message'): EventRecord => ({
  jobId,
  id,
  level: 'info',
  message: id,
  type,
  data,
  created_at: createdAt,
  received_at: Date.now(),
});
