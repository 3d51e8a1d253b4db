import { AssumeRoleProvider } from 'minio/dist/main/AssumeRoleProvider.js';
import { assertValidPrefix, tenantKeyPrefix } from './artifact-key';
import { StorageConfigError } from './errors';
import type { StorageConfig } from './storage-config';

type MinioConfig = Extract<StorageConfig, { driver: 'minio' }>;

/**
 * What one training run may touch, as tenant-relative artifact prefixes (the run's dataset and base model
 * directories, a checkpoint to resume from; its own output prefix). Each prefix is a directory: `p` covers
 * `p/...`, never `p2/...`.
 */
export interface RunStorageScope {
  tenant: string;
  read: readonly string[];
  write: readonly string[];
}

/** Short-lived S3 credentials (MinIO STS), limited by a session policy to one scope. */
export interface ScopedCredentials {
  accessKey: string;
  secretKey: string;
  sessionToken: string;
  expiresAt: Date;
}

/** MinIO's (and AWS STS's) bounds on DurationSeconds. */
export const MIN_CREDENTIAL_SECONDS = 900;
export const MAX_CREDENTIAL_SECONDS = 365 * 24 * 3600;

const READ_ACTIONS = ['s3:GetObject', 's3:GetObjectTagging'];
// Create-only uploads (minio-create-only-upload.ts): conditional PUT, multipart, the sha256 tag; retention deletes.
const WRITE_ACTIONS = [...READ_ACTIONS, 's3:PutObject', 's3:PutObjectTagging', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];

/**
 * The session policy of a scope (IAM policy JSON). The credentials' rights are this policy intersected with
 * those of the user that minted them, so they can never exceed the trainer's own. Listing is allowed only
 * with a prefix inside the scope (s3:prefix), so another tenant's or another run's keys cannot even be seen.
 */
export function runScopePolicy(bucket: string, scope: RunStorageScope): Record<string, unknown> {
  const base = tenantKeyPrefix(scope.tenant);
  const dirs = (prefixes: readonly string[]) =>
    prefixes.map((prefix) => {
      assertValidPrefix(prefix);
      if (prefix === '' || prefix.endsWith('/')) throw new StorageConfigError(`a run's storage scope names directories without a trailing '/', got '${prefix}'`);
      return `${base}${prefix}/`;
    });
  const readable = [...new Set([...dirs(scope.read), ...dirs(scope.write)])];
  const writable = [...new Set(dirs(scope.write))];
  const objects = (prefixes: string[]) => prefixes.map((prefix) => `arn:aws:s3:::${bucket}/${prefix}*`);
  const statements: Array<Record<string, unknown>> = [
    // HEAD on the bucket (the store's ping and its first put): MinIO's own action, which says nothing about keys.
    { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:HeadBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
    {
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [`arn:aws:s3:::${bucket}`],
      Condition: { StringLike: { 's3:prefix': readable.map((prefix) => `${prefix}*`) } },
    },
    { Effect: 'Allow', Action: READ_ACTIONS, Resource: objects(readable) },
  ];
  if (writable.length > 0) statements.push({ Effect: 'Allow', Action: WRITE_ACTIONS, Resource: objects(writable) });
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Mints credentials for `scope` with MinIO's STS AssumeRole (the caller's own keys sign the request; MinIO
 * binds the temporary keys to the session policy). They expire after `durationSeconds`, which MinIO bounds to
 * [900 s, 365 days]; a value outside is refused here, not silently changed.
 */
export async function mintScopedCredentials(config: MinioConfig, scope: RunStorageScope, durationSeconds: number): Promise<ScopedCredentials> {
  if (!Number.isInteger(durationSeconds) || durationSeconds < MIN_CREDENTIAL_SECONDS || durationSeconds > MAX_CREDENTIAL_SECONDS) {
    throw new StorageConfigError(`scoped storage credentials last ${MIN_CREDENTIAL_SECONDS}-${MAX_CREDENTIAL_SECONDS} s, got ${durationSeconds}`);
  }
  if (config.sessionToken) throw new StorageConfigError('scoped storage credentials are minted with long-lived keys, not with temporary ones');
  const provider = new AssumeRoleProvider({
    stsEndpoint: config.endpoint,
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    region: config.region,
    durationSeconds,
    policy: JSON.stringify(runScopePolicy(config.bucket, scope)),
  });
  const credentials = await provider.getCredentials();
  // The expiry MinIO granted (it may cap the duration below what was asked), from the STS answer itself.
  const expiresAt = new Date((provider as unknown as { accessExpiresAt: string }).accessExpiresAt);
  if (Number.isNaN(expiresAt.getTime())) throw new Error('MinIO STS answered without an expiry time');
  return { accessKey: credentials.accessKey, secretKey: credentials.secretKey, sessionToken: credentials.sessionToken!, expiresAt };
}
