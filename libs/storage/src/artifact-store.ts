import type { Readable } from 'node:stream';
import type { z } from 'zod';

/**
 * What put() accepts. A Readable is consumed as a stream and never held whole in memory; the store
 * never destroys it, so on rejection the caller decides whether to drain or destroy it.
 */
export type ArtifactBody = Readable | Buffer | string;

export interface PutOptions {
  /** Stored with the object and served with presigned downloads; defaults to application/octet-stream. */
  contentType?: string;
}

/** What a successful put() wrote: size and sha256 are computed from the bytes as they streamed past. */
export interface PutResult {
  key: string;
  size: number;
  sha256: string;
}

/** One entry of list(): what every backend's listing returns without a request per object. */
export interface ArtifactListing {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ArtifactStat extends ArtifactListing {
  /** Hex sha256 recorded when the object was written; absent for objects written by other tools. */
  sha256?: string;
  contentType: string;
}

export interface GetBufferOptions {
  /** Refuse objects larger than this instead of buffering them (default 64 MiB). */
  maxBytes?: number;
}

/**
 * Immutable, create-only artifact storage. Keys are `/`-separated relative paths (see artifact-key.ts
 * for what is refused). Two drivers implement it: MinIO / any S3-compatible endpoint for distributed
 * mode, and the local filesystem for embedded mode.
 */
export interface ArtifactStore {
  /**
   * Writes a new object; rejects with ArtifactExistsError if the key exists, atomically where the
   * backend allows it, so that two writers racing for a key never both succeed.
   */
  put(key: string, body: ArtifactBody, options?: PutOptions): Promise<PutResult>;

  /** Rejects with ArtifactNotFoundError if the key does not exist. */
  get(key: string): Promise<Readable>;

  /** For small objects only; see GetBufferOptions.maxBytes. */
  getBuffer(key: string, options?: GetBufferOptions): Promise<Buffer>;

  /** Parses the object as JSON; with a schema, validates it and rejects with ArtifactIntegrityError on mismatch. */
  getJson(key: string): Promise<unknown>;
  getJson<T>(key: string, schema: z.ZodType<T>): Promise<T>;

  /** Rejects with ArtifactNotFoundError if the key does not exist. */
  stat(key: string): Promise<ArtifactStat>;

  exists(key: string): Promise<boolean>;

  /** Every object whose key starts with `prefix` (a plain string prefix, as in S3). Order is not specified. */
  list(prefix?: string): AsyncIterable<ArtifactListing>;

  /** Idempotent: deleting a key that does not exist succeeds. */
  delete(key: string): Promise<void>;

  /**
   * A URL a client can download the object from without credentials: a presigned HTTP URL for MinIO,
   * a file:// URL in embedded mode. Rejects with ArtifactNotFoundError if the key does not exist.
   */
  presignedGetUrl(key: string, expirySeconds: number): Promise<string>;

  /** Cheap reachability check for /readyz; rejects with StorageUnavailableError. */
  ping(): Promise<void>;

  /** A store whose keys all live under `tenants/<tenantId>/`; it cannot see or reach anything outside. */
  forTenant(tenantId: string): ArtifactStore;
}
