import { createHash } from 'node:crypto';

/** The subset of the artifact store the cache needs, so this library does not depend on a store driver. */
export interface CacheStore {
  put(key: string, body: string, options?: { contentType?: string }): Promise<unknown>;
  getBuffer(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
}

/** Completions cached by request hash: a re-run (a redelivered task, a retried job) pays for no call twice. */
export interface LlmResponseCache {
  get(hash: string): Promise<string | undefined>;
  put(hash: string, completion: string): Promise<void>;
}

/** Hex sha256 of a request with object keys sorted, so equal requests hash equally whatever their key order. */
export function requestHash(request: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify(canonical(request))).digest('hex');
}

/**
 * A cache in the artifact store, one create-only object per request hash. Two workers racing on the same
 * request both call the endpoint; the second write finds the key taken, which is fine: same request.
 */
export function artifactStoreCache(store: CacheStore, prefix = 'cache/llm-completions'): LlmResponseCache {
  const keyOf = (hash: string) => `${prefix}/${hash}.json`;
  return {
    async get(hash) {
      if (!(await store.exists(keyOf(hash)))) return undefined;
      return (JSON.parse((await store.getBuffer(keyOf(hash))).toString('utf8')) as { completion: string }).completion;
    },
    async put(hash, completion) {
      try {
        await store.put(keyOf(hash), JSON.stringify({ completion }), { contentType: 'application/json' });
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ARTIFACT_EXISTS') throw error;
      }
    },
  };
}
