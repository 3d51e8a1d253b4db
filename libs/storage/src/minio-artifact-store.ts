import { Readable } from 'node:stream';
import { Client } from 'minio';
import { answerTimeoutTransport } from './answer-timeout-transport';
import { ArtifactStoreBase, DEFAULT_CONTENT_TYPE } from './artifact-store-base';
import type { ArtifactBody, ArtifactListing, ArtifactStat, PutOptions, PutResult } from './artifact-store';
import { ArtifactExistsError, StorageUnavailableError } from './errors';
import { SHA256_RECORD_NAME, uploadCreateOnly, type UploadTuning } from './minio-create-only-upload';
import { isS3NotFound, s3ErrorCode, translateMinioError } from './minio-errors';
import type { StorageConfig } from './storage-config';

export interface MinioArtifactStoreOptions {
  /** http(s)://host:port of MinIO or any S3-compatible service; addressed path-style. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Temporary credentials' token (MinIO STS); absent for a user's long-lived keys. */
  sessionToken?: string;
  bucket: string;
  region: string;
  /** Default 8 MiB: with 4 parts in flight an upload holds about 40 MiB whatever its size. */
  partSizeBytes?: number;
  uploadConcurrency?: number;
  /** ping() gives up after this long, so that /readyz answers even when the network swallows packets. */
  pingTimeoutMs?: number;
}

const MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;
const DEFAULT_TUNING: UploadTuning = { partSizeBytes: 8 * 1024 * 1024, concurrency: 4 };
const DEFAULT_PING_TIMEOUT_MS = 5000;

/** The distributed-mode driver: one bucket, created on first use; create-only writes via If-None-Match. */
export class MinioArtifactStore extends ArtifactStoreBase {
  readonly bucket: string;
  readonly endpoint: string;
  private readonly client: Client;
  /** Same credentials, but its requests give up quickly, so that a ping never lingers. */
  private readonly pingClient: Client;
  private readonly region: string;
  private readonly tuning: UploadTuning;
  /** Kept for storageConfig(): the credentials are otherwise only inside the clients. */
  private readonly credentials: { accessKey: string; secretKey: string; sessionToken?: string };
  private bucketReady: Promise<void> | undefined;
  /** Keys minted by STS (a training run's): MinIO forgets them when they expire, so an unknown key means expired. */
  private readonly temporaryCredentials: boolean;

  constructor(options: MinioArtifactStoreOptions) {
    super();
    const url = new URL(options.endpoint);
    const useSSL = url.protocol === 'https:';
    this.endpoint = url.origin;
    this.bucket = options.bucket;
    this.region = options.region;
    this.credentials = { accessKey: options.accessKey, secretKey: options.secretKey, ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}) };
    this.temporaryCredentials = Boolean(options.sessionToken);
    const clientOptions = {
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
      region: options.region,
      pathStyle: true,
    };
    this.client = new Client(clientOptions);
    const pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    this.pingClient = new Client({ ...clientOptions, transport: answerTimeoutTransport(useSSL, pingTimeoutMs) });
    this.tuning = {
      partSizeBytes: options.partSizeBytes ?? DEFAULT_TUNING.partSizeBytes,
      concurrency: options.uploadConcurrency ?? DEFAULT_TUNING.concurrency,
    };
    if (this.tuning.partSizeBytes < MIN_PART_SIZE_BYTES) {
      throw new RangeError(`partSizeBytes must be at least ${MIN_PART_SIZE_BYTES} (the S3 minimum part size)`);
    }
    if (!Number.isInteger(this.tuning.concurrency) || this.tuning.concurrency < 1) {
      throw new RangeError('uploadConcurrency must be a positive integer');
    }
  }

  /** The settings this store was made with (storageEnvOf turns them into another process's environment). */
  storageConfig(): StorageConfig {
    return { driver: 'minio', endpoint: this.endpoint, ...this.credentials, bucket: this.bucket, region: this.region };
  }

  protected async putObject(key: string, body: ArtifactBody, options: PutOptions): Promise<PutResult> {
    await this.ensureBucket(key);
    // Fails fast before streaming what may be gigabytes; If-None-Match on the final write is what
    // actually decides, atomically, if another writer gets in between. A body already in memory that
    // fits one request skips the check: its conditional PUT answers just as fast.
    const fitsOneRequest = !(body instanceof Readable) && Buffer.byteLength(body) <= this.tuning.partSizeBytes;
    if (!fitsOneRequest && (await this.objectExists(key))) throw new ArtifactExistsError(key);
    const target = { client: this.client, bucket: this.bucket, key, contentType: options.contentType ?? DEFAULT_CONTENT_TYPE };
    try {
      const uploaded = await uploadCreateOnly(target, body, this.tuning);
      return { key, ...uploaded };
    } catch (error) {
      throw translateMinioError(error, key, this.endpoint, this.temporaryCredentials);
    }
  }

  protected async getObject(key: string): Promise<Readable> {
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (error) {
      throw translateMinioError(error, key, this.endpoint, this.temporaryCredentials);
    }
  }

  protected async statObject(key: string): Promise<ArtifactStat> {
    try {
      const stat = await this.client.statObject(this.bucket, key);
      const metadata = stat.metaData as Record<string, string | undefined>;
      return {
        key,
        size: stat.size,
        lastModified: stat.lastModified,
        sha256: metadata[SHA256_RECORD_NAME] ?? (await this.sha256FromTag(key, stat.etag)),
        contentType: metadata['content-type'] ?? DEFAULT_CONTENT_TYPE,
      };
    } catch (error) {
      throw translateMinioError(error, key, this.endpoint, this.temporaryCredentials);
    }
  }

  protected async *listObjects(prefix: string): AsyncIterable<ArtifactListing> {
    try {
      for await (const item of this.client.listObjectsV2(this.bucket, prefix, true)) {
        if (item.name !== undefined) yield { key: item.name, size: item.size, lastModified: item.lastModified };
      }
    } catch (error) {
      // Nothing was ever written: the bucket is created on first put.
      if (s3ErrorCode(error) === 'NoSuchBucket') return;
      throw translateMinioError(error, prefix, this.endpoint, this.temporaryCredentials);
    }
  }

  protected async deleteObject(key: string): Promise<void> {
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (error) {
      if (isS3NotFound(error)) return;
      throw translateMinioError(error, key, this.endpoint, this.temporaryCredentials);
    }
  }

  protected async presignObject(key: string, expirySeconds: number): Promise<string> {
    await this.statObject(key);
    return this.client.presignedGetObject(this.bucket, key, expirySeconds);
  }

  /** HEAD on the bucket: one cheap request that proves the endpoint answers and accepts the credentials. */
  async ping(): Promise<void> {
    try {
      await this.pingClient.bucketExists(this.bucket);
    } catch (error) {
      throw new StorageUnavailableError(`object storage at ${this.endpoint} is not reachable: ${(error as Error).message || s3ErrorCode(error)}`, {
        cause: error,
      });
    }
  }

  private async objectExists(key: string): Promise<boolean> {
    try {
      await this.client.statObject(this.bucket, key);
      return true;
    } catch (error) {
      if (isS3NotFound(error)) return false;
      throw translateMinioError(error, key, this.endpoint, this.temporaryCredentials);
    }
  }

  /** Only multipart objects (ETag `<md5>-<parts>`) carry their sha256 as a tag; skip the request for the rest. */
  private async sha256FromTag(key: string, etag: string): Promise<string | undefined> {
    if (!etag.includes('-')) return undefined;
    const tags = await this.client.getObjectTagging(this.bucket, key);
    return tags.find((tag) => tag.Key === SHA256_RECORD_NAME)?.Value;
  }

  /** Memoized, and forgotten on failure so that the next put tries again. */
  private ensureBucket(key: string): Promise<void> {
    this.bucketReady ??= this.createBucketIfMissing().catch((error: unknown) => {
      this.bucketReady = undefined;
      throw translateMinioError(error, key, this.endpoint, this.temporaryCredentials);
    });
    return this.bucketReady;
  }

  private async createBucketIfMissing(): Promise<void> {
    if (await this.client.bucketExists(this.bucket)) return;
    try {
      await this.client.makeBucket(this.bucket, this.region);
    } catch (error) {
      // Another process created it between our check and our create.
      const code = s3ErrorCode(error);
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
    }
  }
}
