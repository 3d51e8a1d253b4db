import type { Database } from '@tuneforge/database';
import { ObjectNotFoundError, QuotaExceededError } from '../errors/gateway-errors';
import { QUOTA_NAMES, type QuotaLimits, type QuotaName } from './quota-limits';

/** The window trained tokens per day are counted over: the last 24 hours, rolling (not since UTC midnight). */
export const TRAINED_TOKENS_WINDOW_SECONDS = 24 * 60 * 60;

/** One quota of a tenant as `GET /v1/admin/quotas/{tenant}` shows it. */
export interface QuotaState {
  /** What applies: the tenant's own limit, else the deployment's default; null is unlimited. */
  limit: number | null;
  /** The tenant's own limit (the `quotas` row), null when it follows the default. */
  override: number | null;
  /** The deployment's default (TF_DEFAULT_QUOTAS), null when unlimited. */
  default: number | null;
  usage: number;
}

export interface TenantQuotas {
  object: 'tenant.quotas';
  tenant: string;
  concurrent_jobs: QuotaState;
  stored_bytes: QuotaState;
  trained_tokens_per_day: QuotaState;
}

type Usage = Record<QuotaName, number>;

/**
 * Each tenant's quotas: concurrent jobs (jobs not finished: `jobs.finished_at IS NULL`), stored bytes (the sum of
 * `files.bytes`) and trained tokens per day (the `trained_tokens` of its jobs that finished in the last 24 hours).
 * Limits come from the tenant's `quotas` row, a NULL column (or no row) falling back to TF_DEFAULT_QUOTAS; no limit
 * at all is unlimited. Over a limit, a request gets a 429 naming the quota, its limit and the usage.
 *
 * Checks read the usage, then the request goes on: two requests at the same moment may both pass the last free
 * slot (the limits are soft by the number of requests in flight). An upload is checked again once it is stored.
 */
export class QuotaService {
  constructor(
    private readonly db: Database,
    private readonly defaults: QuotaLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new job: refused while the tenant runs its concurrent-jobs limit, or has trained its tokens for the day. */
  async checkJobCreate(tenant: string): Promise<void> {
    const limits = await this.limits(tenant);
    if (limits.concurrent_jobs !== null) {
      const running = await this.usageOf(tenant, 'concurrent_jobs');
      if (running >= limits.concurrent_jobs) {
        throw new QuotaExceededError(
          'concurrent_jobs',
          limits.concurrent_jobs,
          running,
          `Quota exceeded: concurrent_jobs is ${limits.concurrent_jobs} and this tenant has ${running} job${running === 1 ? '' : 's'} not finished. Wait for one to finish (or cancel one), or ask the operator to raise the quota.`,
        );
      }
    }
    if (limits.trained_tokens_per_day !== null) {
      const trained = await this.usageOf(tenant, 'trained_tokens_per_day');
      if (trained >= limits.trained_tokens_per_day) {
        throw new QuotaExceededError(
          'trained_tokens_per_day',
          limits.trained_tokens_per_day,
          trained,
          `Quota exceeded: trained_tokens_per_day is ${limits.trained_tokens_per_day} and this tenant's jobs trained ${trained} tokens in the last 24 hours. Try again later, or ask the operator to raise the quota.`,
        );
      }
    }
  }

  /** An upload of at least `bytes` (known from its declared size, before it is read): refused if the tenant's files would exceed stored_bytes. */
  async checkUpload(tenant: string, bytes: number): Promise<void> {
    await this.checkStored(tenant, bytes, undefined, 'at least ');
  }

  /**
   * A file just stored (`fileId`, `bytes`): refused if the tenant's files, this one counted once whether or not it is
   * in the `files` table yet, exceed stored_bytes. The caller deletes the file then.
   */
  async checkStoredFile(tenant: string, fileId: string, bytes: number): Promise<void> {
    await this.checkStored(tenant, bytes, fileId);
  }

  /** The tenant's limits and usage; 404 for a tenant the database does not know. */
  async status(tenant: string): Promise<TenantQuotas> {
    const [row] = await this.db.query<{ id: string } & Record<QuotaName, number | null>>(
      'SELECT t.id, q.concurrent_jobs, q.stored_bytes, q.trained_tokens_per_day FROM tenants t LEFT JOIN quotas q ON q.tenant = t.id WHERE t.id = $1',
      [tenant],
    );
    if (!row) throw new ObjectNotFoundError('tenant', tenant, 'tenant');
    const usage = await this.usage(tenant);
    const state = (name: QuotaName): QuotaState => ({ limit: row[name] ?? this.defaults[name], override: row[name], default: this.defaults[name], usage: usage[name] });
    return { object: 'tenant.quotas', tenant, concurrent_jobs: state('concurrent_jobs'), stored_bytes: state('stored_bytes'), trained_tokens_per_day: state('trained_tokens_per_day') };
  }

  /** Sets the tenant's own limits: a number overrides the default, null returns to it, a quota left out keeps its value. */
  async set(tenant: string, changes: Partial<QuotaLimits>): Promise<TenantQuotas> {
    const [known] = await this.db.query('SELECT 1 FROM tenants WHERE id = $1', [tenant]);
    if (!known) throw new ObjectNotFoundError('tenant', tenant, 'tenant');
    const names = QUOTA_NAMES.filter((name) => name in changes);
    if (names.length > 0) {
      const values = names.map((name) => changes[name] ?? null);
      await this.db.query(
        `INSERT INTO quotas (tenant, ${names.join(', ')}) VALUES ($1, ${names.map((_, i) => `$${i + 2}`).join(', ')})
         ON CONFLICT (tenant) DO UPDATE SET ${names.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}`,
        [tenant, ...values],
      );
    }
    return this.status(tenant);
  }

  private async checkStored(tenant: string, bytes: number, exceptFileId?: string, bound = ''): Promise<void> {
    const { stored_bytes: limit } = await this.limits(tenant);
    if (limit === null) return;
    const stored = await this.usageOf(tenant, 'stored_bytes', exceptFileId);
    if (stored + bytes > limit) {
      throw new QuotaExceededError(
        'stored_bytes',
        limit,
        stored,
        `Quota exceeded: stored_bytes is ${limit} and this tenant's files take ${stored} bytes; this upload of ${bound}${bytes} bytes would make ${bound}${stored + bytes}. Delete files, or ask the operator to raise the quota.`,
        'file',
      );
    }
  }

  private async limits(tenant: string): Promise<QuotaLimits> {
    const [row] = await this.db.query<Record<QuotaName, number | null>>('SELECT concurrent_jobs, stored_bytes, trained_tokens_per_day FROM quotas WHERE tenant = $1', [tenant]);
    return { concurrent_jobs: row?.concurrent_jobs ?? this.defaults.concurrent_jobs, stored_bytes: row?.stored_bytes ?? this.defaults.stored_bytes, trained_tokens_per_day: row?.trained_tokens_per_day ?? this.defaults.trained_tokens_per_day };
  }

  private async usage(tenant: string): Promise<Usage> {
    return {
      concurrent_jobs: await this.usageOf(tenant, 'concurrent_jobs'),
      stored_bytes: await this.usageOf(tenant, 'stored_bytes'),
      trained_tokens_per_day: await this.usageOf(tenant, 'trained_tokens_per_day'),
    };
  }

  private async usageOf(tenant: string, quota: QuotaName, exceptFileId?: string): Promise<number> {
    let rows: Array<{ n: number }>;
    switch (quota) {
      case 'concurrent_jobs':
        rows = await this.db.query('SELECT count(*)::bigint AS n FROM jobs WHERE tenant = $1 AND finished_at IS NULL', [tenant]);
        break;
      case 'stored_bytes':
        rows = await this.db.query('SELECT coalesce(sum(bytes), 0)::bigint AS n FROM files WHERE tenant = $1 AND id <> $2', [tenant, exceptFileId ?? '']);
        break;
      case 'trained_tokens_per_day':
        rows = await this.db.query('SELECT coalesce(sum(trained_tokens), 0)::bigint AS n FROM jobs WHERE tenant = $1 AND finished_at >= $2', [
          tenant,
          Math.floor(this.now() / 1000) - TRAINED_TOKENS_WINDOW_SECONDS,
        ]);
        break;
    }
    return rows[0].n;
  }
}
