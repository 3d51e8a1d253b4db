import type { Database } from '@tuneforge/database';
import { dropTestDatabase, openTestDatabase } from '@tuneforge/database/src/testing';
import { ObjectNotFoundError, QuotaExceededError } from '../errors/gateway-errors';
import { parseDefaultQuotas, UNLIMITED } from './quota-limits';
import { QuotaService } from './quota.service';

const NOW_MS = 1_765_000_000_000;
const NOW = NOW_MS / 1000;

describe('parseDefaultQuotas (TF_DEFAULT_QUOTAS)', () => {
  it('reads name=number pairs; a quota left out, or the variable unset, is unlimited', () => {
    expect(parseDefaultQuotas(undefined)).toEqual(UNLIMITED);
    expect(parseDefaultQuotas(' ')).toEqual(UNLIMITED);
    expect(parseDefaultQuotas('concurrent_jobs=4, stored_bytes=10737418240')).toEqual({ concurrent_jobs: 4, stored_bytes: 10_737_418_240, trained_tokens_per_day: null });
  });

  it.each([
    ['concurrent_jobs', /entry 1 must be name=number/],
    ['gpus=2', /entry 1: unknown quota "gpus"/],
    ['stored_bytes=-1', /entry 1: stored_bytes must be a whole number/],
    ['stored_bytes=1.5', /whole number/],
    ['concurrent_jobs=1,concurrent_jobs=2', /entry 2 repeats concurrent_jobs/],
  ])('refuses %s', (value, message) => {
    expect(() => parseDefaultQuotas(value)).toThrow(message);
  });
});

describe('QuotaService', () => {
  let db: Database;
  // One database for the file (opening and migrating one takes seconds), emptied before each test.
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(() => dropTestDatabase(db));
  beforeEach(async () => {
    await db.query('TRUNCATE jobs, files, quotas, api_keys, tenants CASCADE');
    await db.query("INSERT INTO tenants (id, created_at) VALUES ('tenant-a', 1), ('tenant-b', 1)");
  });

  let jobSeq = 0;
  const job = (tenant: string, finishedAt: number | null = null, trainedTokens: number | null = null) =>
    db.query("INSERT INTO jobs (tenant, id, created_at, finished_at, trained_tokens, record) VALUES ($1, $2, 1, $3, $4, '{}')", [tenant, `ftjob-${++jobSeq}`, finishedAt, trainedTokens]);
  const file = (tenant: string, id: string, bytes: number) => db.query("INSERT INTO files (tenant, id, purpose, bytes, created_at, record) VALUES ($1, $2, 'fine-tune', $3, 1, '{}')", [tenant, id, bytes]);
  const quotas = (defaults = UNLIMITED) => new QuotaService(db, defaults, () => NOW_MS);

  async function refusal(promise: Promise<unknown>): Promise<QuotaExceededError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QuotaExceededError);
    return error as QuotaExceededError;
  }

  it('unlimited by default: nothing is refused', async () => {
    await job('tenant-a');
    await file('tenant-a', 'file-1', 1e12);
    await expect(quotas().checkJobCreate('tenant-a')).resolves.toBeUndefined();
    await expect(quotas().checkUpload('tenant-a', 1e12)).resolves.toBeUndefined();
  });

  it('concurrent_jobs counts jobs not finished; over it a job is refused naming the quota, limit and usage; another tenant is unaffected', async () => {
    const service = quotas(parseDefaultQuotas('concurrent_jobs=2'));
    await job('tenant-a');
    await job('tenant-a', NOW - 10); // finished: does not count
    await expect(service.checkJobCreate('tenant-a')).resolves.toBeUndefined();
    await job('tenant-a');
    const error = await refusal(service.checkJobCreate('tenant-a'));
    expect(error).toMatchObject({ quota: 'concurrent_jobs', limit: 2, usage: 2 });
    expect(error.message).toMatch(/concurrent_jobs is 2 and this tenant has 2 jobs not finished/);
    await expect(service.checkJobCreate('tenant-b')).resolves.toBeUndefined();
  });

  it('trained_tokens_per_day sums the jobs that finished in the last 24 hours', async () => {
    const service = quotas(parseDefaultQuotas('trained_tokens_per_day=1000'));
    await job('tenant-a', NOW - 25 * 3600, 5000); // older than 24 h
    await job('tenant-a', NOW - 3600, 600);
    await expect(service.checkJobCreate('tenant-a')).resolves.toBeUndefined();
    await job('tenant-a', NOW - 60, 400);
    const error = await refusal(service.checkJobCreate('tenant-a'));
    expect(error).toMatchObject({ quota: 'trained_tokens_per_day', limit: 1000, usage: 1000 });
    expect(error.message).toMatch(/trained_tokens_per_day is 1000 and this tenant's jobs trained 1000 tokens in the last 24 hours/);
    await job('tenant-b', NOW - 60, 999_999);
    await expect(service.checkJobCreate('tenant-a')).rejects.toThrow(QuotaExceededError);
    await expect(quotas(parseDefaultQuotas('trained_tokens_per_day=1000')).checkJobCreate('tenant-b')).rejects.toThrow(/999999 tokens/);
  });

  it('stored_bytes: an upload is refused when the files plus the upload exceed it; a stored file is counted once', async () => {
    const service = quotas(parseDefaultQuotas('stored_bytes=1000'));
    await file('tenant-a', 'file-1', 600);
    await expect(service.checkUpload('tenant-a', 400)).resolves.toBeUndefined();
    const error = await refusal(service.checkUpload('tenant-a', 401));
    expect(error).toMatchObject({ quota: 'stored_bytes', limit: 1000, usage: 600, param: 'file' });
    expect(error.message).toMatch(/stored_bytes is 1000 and this tenant's files take 600 bytes; this upload of at least 401 bytes would make at least 1001/);
    // After the upload: the new file is counted once, whether or not its row is there yet.
    await file('tenant-a', 'file-2', 400);
    await expect(service.checkStoredFile('tenant-a', 'file-2', 400)).resolves.toBeUndefined();
    await expect(service.checkStoredFile('tenant-a', 'file-3', 1)).rejects.toThrow(/this upload of 1 bytes would make 1001/);
    await expect(service.checkUpload('tenant-b', 1000)).resolves.toBeUndefined();
  });

  it('a tenant\'s own limits override the defaults; null returns to the default; status shows limits and usage', async () => {
    const service = quotas(parseDefaultQuotas('concurrent_jobs=4,stored_bytes=1000'));
    await job('tenant-a');
    await job('tenant-a', NOW - 60, 123);
    await file('tenant-a', 'file-1', 700);
    expect(await service.set('tenant-a', { concurrent_jobs: 1, trained_tokens_per_day: 5000 })).toEqual({
      object: 'tenant.quotas',
      tenant: 'tenant-a',
      concurrent_jobs: { limit: 1, override: 1, default: 4, usage: 1 },
      stored_bytes: { limit: 1000, override: null, default: 1000, usage: 700 },
      trained_tokens_per_day: { limit: 5000, override: 5000, default: null, usage: 123 },
    });
    await expect(service.checkJobCreate('tenant-a')).rejects.toThrow(/concurrent_jobs is 1/);
    await expect(service.checkJobCreate('tenant-b')).resolves.toBeUndefined();

    const back = await service.set('tenant-a', { concurrent_jobs: null });
    expect(back.concurrent_jobs).toEqual({ limit: 4, override: null, default: 4, usage: 1 });
    expect(back.trained_tokens_per_day.override).toBe(5000); // left out: unchanged
    await expect(service.checkJobCreate('tenant-a')).resolves.toBeUndefined();
    expect((await service.status('tenant-b')).concurrent_jobs).toEqual({ limit: 4, override: null, default: 4, usage: 0 });
  });

  it('an unknown tenant is a 404', async () => {
    await expect(quotas().status('nobody')).rejects.toThrow(ObjectNotFoundError);
    await expect(quotas().set('nobody', { concurrent_jobs: 1 })).rejects.toThrow(ObjectNotFoundError);
  });
});
