import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { assertValidKey, assertValidPrefix, tenantKeyPrefix } from './artifact-key';
import type {
  ArtifactBody,
  ArtifactListing,
  ArtifactStat,
  ArtifactStore,
  GetBufferOptions,
  PutOptions,
  PutResult,
} from './artifact-store';
import { ArtifactExistsError, ArtifactNotFoundError, InvalidTenantIdError } from './errors';

/**
 * One tenant's view of a store: every key is validated as a relative key and then placed under
 * `tenants/<tenantId>/`, so `..` or a leading `/` can never reach another tenant. Keys go in and come
 * out relative to the tenant, errors included, so a tenant never has to know where it lives.
 */
export class TenantScopedArtifactStore implements ArtifactStore {
  private readonly prefix: string;

  constructor(
    private readonly root: ArtifactStore,
    readonly tenantId: string,
    prefix = tenantKeyPrefix(tenantId),
  ) {
    this.prefix = prefix;
  }

  async put(key: string, body: ArtifactBody, options?: PutOptions): Promise<PutResult> {
    const result = await this.scoped(key, (full) => this.root.put(full, body, options));
    return { ...result, key };
  }

  get(key: string): Promise<Readable> {
    return this.scoped(key, (full) => this.root.get(full));
  }

  getBuffer(key: string, options?: GetBufferOptions): Promise<Buffer> {
    return this.scoped(key, (full) => this.root.getBuffer(full, options));
  }

  getJson(key: string): Promise<unknown>;
  getJson<T>(key: string, schema: z.ZodType<T>): Promise<T>;
  getJson<T>(key: string, schema?: z.ZodType<T>): Promise<unknown> {
    return this.scoped(key, (full) => (schema ? this.root.getJson(full, schema) : this.root.getJson(full)));
  }

  async stat(key: string): Promise<ArtifactStat> {
    const stat = await this.scoped(key, (full) => this.root.stat(full));
    return { ...stat, key };
  }

  exists(key: string): Promise<boolean> {
    return this.scoped(key, (full) => this.root.exists(full));
  }

  async *list(prefix = ''): AsyncIterable<ArtifactListing> {
    assertValidPrefix(prefix);
    for await (const entry of this.root.list(this.prefix + prefix)) {
      yield { ...entry, key: entry.key.slice(this.prefix.length) };
    }
  }

  delete(key: string): Promise<void> {
    return this.scoped(key, (full) => this.root.delete(full));
  }

  presignedGetUrl(key: string, expirySeconds: number): Promise<string> {
    return this.scoped(key, (full) => this.root.presignedGetUrl(full, expirySeconds));
  }

  ping(): Promise<void> {
    return this.root.ping();
  }

  /** Re-scoping would let code holding one tenant's store reach another's, so only the same tenant is allowed. */
  forTenant(tenantId: string): ArtifactStore {
    if (tenantId === this.tenantId) return this;
    throw new InvalidTenantIdError(tenantId, `this store is already scoped to tenant '${this.tenantId}'`);
  }

  private async scoped<T>(key: string, operation: (fullKey: string) => Promise<T>): Promise<T> {
    assertValidKey(key);
    try {
      return await operation(this.prefix + key);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) throw new ArtifactNotFoundError(key);
      if (error instanceof ArtifactExistsError) throw new ArtifactExistsError(key);
      throw error;
    }
  }
}

/** The name the operator's scope goes by in errors and as a model's `owned_by` (OpenAI calls its own models "system"). */
export const OPERATOR_SCOPE = 'system';

/**
 * The operator's own scope of a store, outside every tenant's (`operator/`, not under `tenants/`): base models an
 * operator registers for everyone. No tenant-scoped store can reach it; tenants read its models through their
 * ModelRegistry, which copies one into the tenant's scope on first use.
 */
export function operatorScope(root: ArtifactStore): ArtifactStore {
  return new TenantScopedArtifactStore(root, OPERATOR_SCOPE, 'operator/');
}
