import { ArtifactExistsError, ArtifactNotFoundError, StorageCredentialsExpiredError, StorageUnavailableError } from './errors';

/** S3 error codes (minio-js puts them on `error.code`) that mean "there is nothing at this key". */
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

/** Network failures (Node puts errno names on `error.code` too) and S3 codes that mean "try again later". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'XMinioServerNotInitialized',
  'XMinioStorageFull',
]);

export function s3ErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isS3NotFound(error: unknown): boolean {
  return NOT_FOUND_CODES.has(s3ErrorCode(error) ?? '');
}

/**
 * The typed error for what minio-js threw while working on `key`. `PreconditionFailed` only comes
 * back from the create-only writes (If-None-Match: *), where it means the key was taken.
 */
export function translateMinioError(error: unknown, key: string, endpoint: string, temporaryCredentials = false): unknown {
  const code = s3ErrorCode(error);
  if (code !== undefined && NOT_FOUND_CODES.has(code)) return new ArtifactNotFoundError(key);
  if (code === 'PreconditionFailed') return new ArtifactExistsError(key, 'another writer created it first');
  // MinIO's answers to temporary credentials past their expiry: it drops expired STS keys, so their key id is then
  // unknown (measured: InvalidAccessKeyId from the first request after expiry); a token it cannot read is InvalidTokenId.
  const expired = code === 'ExpiredToken' || code === 'InvalidTokenId' || (temporaryCredentials && code === 'InvalidAccessKeyId');
  if (expired) return new StorageCredentialsExpiredError(endpoint, key, code, { cause: error });
  // minio-js gives up on retriable HTTP statuses with a plain Error carrying no code.
  const exhaustedRetries = error instanceof Error && error.message.startsWith('Request failed after');
  if ((code !== undefined && UNAVAILABLE_CODES.has(code)) || exhaustedRetries) {
    return new StorageUnavailableError(`object storage at ${endpoint} failed on '${key}': ${(error as Error).message || code}`, {
      cause: error,
    });
  }
  return error;
}
