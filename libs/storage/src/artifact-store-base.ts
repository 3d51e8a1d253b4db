import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { assertValidKey, assertValidPrefix } from './artifact-key';
import type {
  ArtifactBody,
  ArtifactListing,
  ArtifactStat,
  ArtifactStore,
  GetBufferOptions,
  PutOptions,
  PutResult,
} from './artifact-store';
import { ArtifactIntegrityError, ArtifactNotFoundError, ArtifactTooLargeError } from './errors';
import { TenantScopedArtifactStore } from './tenant-scoped-artifact-store';

const DEFAULT_MAX_BUFFER_BYTES = 64 * 1024 * 1024;

/** S3 refuses presigned URLs valid for longer than seven days; the filesystem driver keeps the same rule. */
const MAX_PRESIGN_EXPIRY_SECONDS = 7 * 24 * 60 * 60;

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * Validates every key once, here, before a driver sees it, and derives the convenience operations
 * from the primitives, so that both drivers behave the same where the conformance suite cannot look.
 */
export abstract class ArtifactStoreBase implements ArtifactStore {
  protected abstract putObject(key: string, body: ArtifactBody, options: PutOptions): Promise<PutResult>;
  protected abstract getObject(key: string): Promise<Readable>;
  protected abstract statObject(key: string): Promise<ArtifactStat>;
  protected abstract listObjects(prefix: string): AsyncIterable<ArtifactListing>;
  protected abstract deleteObject(key: string): Promise<void>;
  protected abstract presignObject(key: string, expirySeconds: number): Promise<string>;
  abstract ping(): Promise<void>;

  async put(key: string, body: ArtifactBody, options: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    return this.putObject(key, body, options);
  }

  async get(key: string): Promise<Readable> {
    assertValidKey(key);
    return this.getObject(key);
  }

  async getBuffer(key: string, options: GetBufferOptions = {}): Promise<Buffer> {
    const limit = options.maxBytes ?? DEFAULT_MAX_BUFFER_BYTES;
    const stream = await this.get(key);
    const chunks: Buffer[] = [];
    let total = 0;
    // Leaving the loop early (the limit) destroys the stream, which releases the download.
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) throw new ArtifactTooLargeError(key, limit);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, total);
  }

  getJson(key: string): Promise<unknown>;
  getJson<T>(key: string, schema: z.ZodType<T>): Promise<T>;
  async getJson<T>(key: string, schema?: z.ZodType<T>): Promise<unknown> {
    const text = (await this.getBuffer(key)).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ArtifactIntegrityError(key, `not valid JSON (${(error as Error).message})`);
    }
    if (!schema) return value;
    const result = schema.safeParse(value);
    if (!result.success) {
      const issues = result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
      throw new ArtifactIntegrityError(key, `JSON does not match its schema: ${issues.join('; ')}`);
    }
    return result.data;
  }

  async stat(key: string): Promise<ArtifactStat> {
    assertValidKey(key);
    return this.statObject(key);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.stat(key);
      return true;
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return false;
      throw error;
    }
  }

  async *list(prefix = ''): AsyncIterable<ArtifactListing> {
    assertValidPrefix(prefix);
    yield* this.listObjects(prefix);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.deleteObject(key);
  }

  async presignedGetUrl(key: string, expirySeconds: number): Promise<string> {
    assertValidKey(key);
    if (!Number.isInteger(expirySeconds) || expirySeconds < 1 || expirySeconds > MAX_PRESIGN_EXPIRY_SECONDS) {
      throw new RangeError(`expirySeconds must be an integer from 1 to ${MAX_PRESIGN_EXPIRY_SECONDS}, got ${expirySeconds}`);
    }
    return this.presignObject(key, expirySeconds);
  }

  forTenant(tenantId: string): ArtifactStore {
    return new TenantScopedArtifactStore(this, tenantId);
  }
}
