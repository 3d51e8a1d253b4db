import { ConfigError } from '@tuneforge/service-kit';
import type { ServiceIdentity } from '@tuneforge/service-kit';
import { timingSafeEqual, createHash } from 'node:crypto';

/** Embedded mode's key when TF_API_KEYS is not set: a laptop deployment works out of the box. */
export const DEV_API_KEY = 'tf-dev-key';
export const DEV_TENANT = 'default';

const KEY_PATTERN = /^[A-Za-z0-9._~+/=-]{8,200}$/;
// The artifact store's tenant id rule: tenants become key prefixes in the store.
const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

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

/** Which tenant an API key belongs to, and whether it is an admin key. Keys are compared through their digests, in constant time. */
export class ApiKeyRegistry {
  private readonly byDigest: ReadonlyArray<{ digest: Buffer; caller: Caller }>;

  /** `admins`: keys of `keys` that may also change what every tenant sees (operator-wide base models). */
  constructor(keys: ReadonlyMap<string, string>, admins: ReadonlySet<string> = new Set()) {
    for (const admin of admins) if (!keys.has(admin)) throw new ConfigError('invalid configuration:\n  TF_ADMIN_API_KEYS: every admin key must also be in TF_API_KEYS (key:tenant)');
    this.byDigest = [...keys].map(([key, tenant]) => ({ digest: digest(key), caller: { tenant, admin: admins.has(key) } }));
  }

  /**
   * The registry the deployment runs with: TF_API_KEYS when set; otherwise the development key in
   * embedded mode, and a configuration error in distributed mode, which must never accept a known key.
   */
  static fromConfig(configured: ReadonlyMap<string, string> | undefined, mode: ServiceIdentity['mode'], admins: ReadonlySet<string> = new Set()): ApiKeyRegistry {
    if (configured) return new ApiKeyRegistry(configured, admins);
    // A laptop deployment's development key is its operator's too.
    if (mode === 'embedded') return new ApiKeyRegistry(new Map([[DEV_API_KEY, DEV_TENANT]]), new Set([DEV_API_KEY]));
    throw new ConfigError('invalid configuration:\n  TF_API_KEYS: required in distributed mode, e.g. key1:tenant-a,key2:tenant-b (not set)');
  }

  callerOf(key: string): Caller | undefined {
    const candidate = digest(key);
    let caller: Caller | undefined;
    for (const entry of this.byDigest) if (timingSafeEqual(entry.digest, candidate)) caller = entry.caller;
    return caller;
  }

  tenantOf(key: string): string | undefined {
    return this.callerOf(key)?.tenant;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
