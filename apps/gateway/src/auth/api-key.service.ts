import type { Database } from '@tuneforge/database';
import { ConfigError } from '@tuneforge/service-kit';
import { ConflictError, InvalidRequestError, ObjectNotFoundError } from '../errors/gateway-errors';
import { DEV_API_KEY, generateApiKey, hashApiKey, keyHint, newApiKeyId, TENANT_PATTERN, type ApiKeyRegistry, type Caller } from './api-keys';

/** A caller the database knows: its key's tenant and admin flag, and the key's id (what rate limits are kept by). */
export interface KnownCaller extends Caller {
  keyId: string;
}

/** An API key as the admin endpoints show it: never its hash, never the key itself. */
export interface ApiKeyView {
  id: string;
  object: 'api_key';
  tenant: string;
  name: string | null;
  admin: boolean;
  /** The key's first characters (`tf-` and 5 more), to tell keys apart. */
  key_hint: string;
  created_at: number;
  revoked_at: number | null;
}

/** What creating a key answers: the key itself, shown this once. */
export interface CreatedApiKey extends ApiKeyView {
  key: string;
}

interface ApiKeyRow {
  id: string;
  tenant: string;
  name: string | null;
  admin: boolean;
  key_hint: string;
  created_at: number;
  revoked_at: number | null;
}

export interface ApiKeyServiceOptions {
  /** How long a key found in the database is trusted without asking it again (default 30 s). */
  cacheMs?: number;
  /** Most keys remembered at once; the oldest entry goes first (default 10,000). */
  maxCached?: number;
  now?: () => number;
}

const VIEW_COLUMNS = 'id, tenant, name, admin, key_hint, created_at, revoked_at';

/**
 * API keys in the database (`api_keys`), stored as SHA-256 hashes: a presented key is hashed and looked up by its
 * hash (a unique index), so neither the keys nor a timing difference between them is ever compared in this process.
 *
 * Lookups that find an active key are cached for `cacheMs` (30 s): a key revoked through this gateway instance
 * stops working at once (its cache entry is dropped), one revoked through another instance within those 30 s.
 * Unknown and revoked keys are never cached, so a key works as soon as it is created.
 */
export class ApiKeyService {
  private readonly cache = new Map<string, { caller: KnownCaller; expiresAt: number }>();
  private readonly cacheMs: number;
  private readonly maxCached: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    options: ApiKeyServiceOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 30_000;
    this.maxCached = options.maxCached ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Writes the environment's keys (TF_API_KEYS, TF_ADMIN_API_KEYS) into the database, each only if its hash is not
   * there yet: starting again changes nothing, and a seeded key an admin revoked stays revoked. Tenants are created
   * as needed. Embedded mode's development key (TF_API_KEYS unset) is made active again if it was revoked, and
   * revoked once TF_API_KEYS is set without it: the variable decides whether `tf-dev-key` opens the deployment.
   * Distributed mode without TF_API_KEYS needs an active key already in the database. Returns how many keys it added.
   */
  async seed(registry: ApiKeyRegistry, mode: 'embedded' | 'distributed'): Promise<number> {
    const seconds = this.seconds();
    let added = 0;
    await this.db.transaction(async (tx) => {
      for (const { key, tenant, admin } of registry.entries()) {
        await tx.query('INSERT INTO tenants (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [tenant, seconds]);
        const inserted = await tx.query(
          `INSERT INTO api_keys (id, tenant, key_hash, key_hint, name, admin, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (key_hash) DO NOTHING RETURNING id`,
          [newApiKeyId(), tenant, hashApiKey(key), keyHint(key), registry.developmentFallback ? 'development key' : 'TF_API_KEYS', admin, seconds],
        );
        added += inserted.length;
      }
      if (registry.developmentFallback) {
        await tx.query('UPDATE api_keys SET revoked_at = NULL WHERE key_hash = $1 AND revoked_at IS NOT NULL', [hashApiKey(DEV_API_KEY)]);
      } else if (!registry.has(DEV_API_KEY)) {
        await tx.query('UPDATE api_keys SET revoked_at = $2 WHERE key_hash = $1 AND revoked_at IS NULL', [hashApiKey(DEV_API_KEY), seconds]);
      }
    });
    if (mode === 'distributed' && registry.entries().length === 0) {
      const [active] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE revoked_at IS NULL');
      if (active.n === 0) {
        throw new ConfigError(
          'invalid configuration:\n  TF_API_KEYS: required in distributed mode while the database holds no active API key, e.g. key1:tenant-a,key2:tenant-b (not set)',
        );
      }
    }
    return added;
  }

  /** The caller a presented key belongs to; undefined for an unknown or revoked key. */
  async callerOf(key: string): Promise<KnownCaller | undefined> {
    const hash = hashApiKey(key);
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > now) return cached.caller;
    if (cached) this.cache.delete(hash);
    const [row] = await this.db.query<{ id: string; tenant: string; admin: boolean }>('SELECT id, tenant, admin FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hash]);
    if (!row) return undefined;
    const caller: KnownCaller = { tenant: row.tenant, admin: row.admin, keyId: row.id };
    if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(hash, { caller, expiresAt: now + this.cacheMs });
    return caller;
  }

  /** A new key for `tenant` (created if it has no row yet); the answer is the only place the key ever appears. */
  async create(request: { tenant: string; name?: string | null; admin?: boolean }): Promise<CreatedApiKey> {
    if (!TENANT_PATTERN.test(request.tenant)) {
      throw new InvalidRequestError('tenant must be 1-63 lower-case letters, digits, - and _, starting with a letter or digit.', 'tenant');
    }
    const key = generateApiKey();
    const seconds = this.seconds();
    const row = await this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO tenants (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [request.tenant, seconds]);
      const [inserted] = await tx.query<ApiKeyRow>(
        `INSERT INTO api_keys (id, tenant, key_hash, key_hint, name, admin, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${VIEW_COLUMNS}`,
        [newApiKeyId(), request.tenant, hashApiKey(key), keyHint(key), request.name ?? null, request.admin ?? false, seconds],
      );
      return inserted;
    });
    return { ...toView(row), key };
  }

  /** Every key (of one tenant when given), oldest first, revoked ones included. */
  async list(tenant?: string): Promise<ApiKeyView[]> {
    const rows = tenant
      ? await this.db.query<ApiKeyRow>(`SELECT ${VIEW_COLUMNS} FROM api_keys WHERE tenant = $1 ORDER BY created_at, id`, [tenant])
      : await this.db.query<ApiKeyRow>(`SELECT ${VIEW_COLUMNS} FROM api_keys ORDER BY tenant, created_at, id`);
    return rows.map(toView);
  }

  /**
   * Revokes a key: it stops working at once on this gateway instance, within the cache time (30 s) on the others.
   * Revoking a revoked key answers it as it is. The last active admin key cannot be revoked (409): nobody could
   * manage keys after it, short of seeding a new one through TF_API_KEYS and TF_ADMIN_API_KEYS.
   */
  async revoke(id: string): Promise<ApiKeyView> {
    const row = await this.db.transaction(async (tx) => {
      const [current] = await tx.query<ApiKeyRow>(`SELECT ${VIEW_COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
      if (!current) throw new ObjectNotFoundError('api_key', id);
      if (current.revoked_at !== null) return current;
      if (current.admin) {
        // Serializes revocations of admin keys, so that two of them at once cannot both pass the check below.
        await tx.query("SELECT pg_advisory_xact_lock(hashtext('tuneforge.api_keys.admin'))");
        const [others] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE admin AND revoked_at IS NULL AND id <> $1', [id]);
        if (others.n === 0) throw new ConflictError('This is the last active admin key: create another admin key before revoking it.', 'id');
      }
      const [revoked] = await tx.query<ApiKeyRow>(`UPDATE api_keys SET revoked_at = $2 WHERE id = $1 RETURNING ${VIEW_COLUMNS}`, [id, this.seconds()]);
      return revoked;
    });
    for (const [hash, entry] of this.cache) if (entry.caller.keyId === id) this.cache.delete(hash);
    return toView(row);
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

function toView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    object: 'api_key',
    tenant: row.tenant,
    name: row.name,
    admin: row.admin,
    key_hint: row.key_hint,
    created_at: row.created_at,
    revoked_at: row.revoked_at,
  };
}
