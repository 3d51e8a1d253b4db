import { ConfigError } from '@tuneforge/service-kit';
import type { ServiceIdentity } from '@tuneforge/service-kit';
import { createHash, randomBytes } from 'node:crypto';

/** Embedded mode's key when TF_API_KEYS is not set: a laptop deployment works out of the box. */
export const DEV_API_KEY = 'tf-dev-key';
export const DEV_TENANT = 'default';

/** What every generated key starts with, so that secret scanners and people can tell it is one. */
export const API_KEY_PREFIX = 'tf-';
/** How many characters of a key are kept in the clear (`key_hint`), so that people can tell their keys apart. */
export const KEY_HINT_LENGTH = 8;

const KEY_PATTERN = /^[A-Za-z0-9._~+/=-]{8,200}$/;
// The artifact store's tenant id rule: tenants become key prefixes in the store.
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Parses `key1:tenantA,key2:tenantB`; throws with a message naming the bad entry. */
export function parseApiKeys(value: string): ReadonlyMap<string, string> {
  const keys = new Map<string, string>();
  for (const [index, entry] of value.split(',').entries()) {
    const trimmed = entry.trim();
    const separator = trimmed.lastIndexOf(':');
    if (separator <= 0) throw new Error(`entry ${index + 1} must be key:tenant`);
    const key = trimmed.slice(0, separator);
    const tenant = trimmed.slice(separator + 1);
    if (!KEY_PATTERN.test(key)) throw new Error(`entry ${index + 1}: a key is 8-200 characters of letters, digits and . _ ~ + / = -`);
    if (!TENANT_PATTERN.test(tenant)) {
      throw new Error(`entry ${index + 1}: tenant "${tenant}" must be 1-63 lower-case letters, digits, - and _, starting with a letter or digit`);
    }
    if (keys.has(key)) throw new Error(`entry ${index + 1} repeats a key`);
    keys.set(key, tenant);
  }
  return keys;
}

/** Who is calling: the key's tenant, and whether the key is also an operator's (admin) key. */
export interface Caller {
  tenant: string;
  admin: boolean;
}

/** One key the environment seeds into the database. */
export interface SeedKey extends Caller {
  key: string;
}

/**
 * The API keys the environment names (TF_API_KEYS, TF_ADMIN_API_KEYS), or embedded mode's development key. They
 * are not what the gateway checks requests against: the database is (ApiKeyService). At start they are written
 * into it, hashed, when not there yet: the variables seed the first keys, an admin creates and revokes the others.
 */
export class ApiKeyRegistry {
  private readonly seeds: ReadonlyArray<SeedKey & { digest: Buffer }>;

  /**
   * `admins`: keys of `keys` that may also manage keys and quotas and change what every tenant sees (operator-wide
   * base models). `developmentFallback`: these are embedded mode's development key, standing in for an unset TF_API_KEYS.
   */
  constructor(
    keys: ReadonlyMap<string, string>,
    admins: ReadonlySet<string> = new Set(),
    readonly developmentFallback = false,
  ) {
    for (const admin of admins) if (!keys.has(admin)) throw new ConfigError('invalid configuration:\n  TF_ADMIN_API_KEYS: every admin key must also be in TF_API_KEYS (key:tenant)');
    this.seeds = [...keys].map(([key, tenant]) => ({ key, tenant, admin: admins.has(key), digest: digest(key) }));
  }

  /**
   * The keys the deployment seeds: TF_API_KEYS when set; otherwise the development key in embedded mode, and none
   * in distributed mode, which must never accept a known key (it then needs keys already in the database: see
   * ApiKeyService.seed).
   */
  static fromConfig(configured: ReadonlyMap<string, string> | undefined, mode: ServiceIdentity['mode'], admins: ReadonlySet<string> = new Set()): ApiKeyRegistry {
    if (configured) return new ApiKeyRegistry(configured, admins);
    // A laptop deployment's development key is its operator's too.
    if (mode === 'embedded') return new ApiKeyRegistry(new Map([[DEV_API_KEY, DEV_TENANT]]), new Set([DEV_API_KEY]), true);
    return new ApiKeyRegistry(new Map(), admins);
  }

  entries(): readonly SeedKey[] {
    return this.seeds.map(({ key, tenant, admin }) => ({ key, tenant, admin }));
  }

  has(key: string): boolean {
    return this.seeds.some((seed) => seed.key === key);
  }

  /** The seed `key` is, if any (what the environment says about it; the database may have revoked it since). */
  callerOf(key: string): Caller | undefined {
    const candidate = digest(key);
    const seed = this.seeds.find((entry) => entry.digest.equals(candidate));
    return seed ? { tenant: seed.tenant, admin: seed.admin } : undefined;
  }

  tenantOf(key: string): string | undefined {
    return this.callerOf(key)?.tenant;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** What the database keeps of a key: its SHA-256, hex. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key: `tf-` and 32 random bytes (base64url, 43 characters). */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function keyHint(key: string): string {
  return key.slice(0, KEY_HINT_LENGTH);
}

const TIME_DIGITS = 9;
const RANDOM_DIGITS = 12;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `key-` + creation time (base 36) + randomness: ids sort by creation time, as file and job ids do. */
export function newApiKeyId(now: number = Date.now()): string {
  const time = now.toString(36).padStart(TIME_DIGITS, '0');
  const random = [...randomBytes(RANDOM_DIGITS)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
  return `key-${time}${random}`;
}
