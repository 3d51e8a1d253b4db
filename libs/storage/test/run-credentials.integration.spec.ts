import { randomUUID } from 'node:crypto';
import { createArtifactStore } from '../src/create-artifact-store';
import { loadStorageConfig, storageConfigEnv, type StorageConfig } from '../src/storage-config';
import { mintScopedCredentials, type RunStorageScope, type ScopedCredentials } from '../src/run-credentials';
import { StorageConfigError, StorageCredentialsExpiredError } from '../src/errors';
import type { ArtifactStore } from '../src/artifact-store';

/**
 * A run's scoped credentials against the local MinIO (infra/up.sh, or TF_S3_*): minted with the root keys by STS
 * AssumeRole and a session policy, they reach exactly the run's prefixes. Fails (never skips) without MinIO.
 */
const root = loadStorageConfig({
  TF_STORAGE_DRIVER: 'minio',
  TF_S3_ENDPOINT: process.env.TF_S3_ENDPOINT || 'http://127.0.0.1:9000',
  TF_S3_ACCESS_KEY: process.env.TF_S3_ACCESS_KEY || 'tuneforge',
  TF_S3_SECRET_KEY: process.env.TF_S3_SECRET_KEY || 'tuneforge-dev-secret',
  TF_S3_BUCKET: `tf-it-scoped-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`,
}) as Extract<StorageConfig, { driver: 'minio' }>;

const tenant = 'tenant-a';
const other = 'tenant-b';
const run = 'jobs/ftjob-1/training/run-1';
const scope: RunStorageScope = { tenant, read: ['datasets/ds-1', 'models/base-1'], write: [run] };

/** The code S3 answered with, or 'ok'. */
async function outcome(operation: Promise<unknown>): Promise<string> {
  try {
    await operation;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).message;
  }
}

async function drain(listing: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of listing) keys.push(entry.key);
  return keys;
}

describe('scoped run credentials (MinIO STS AssumeRole with a session policy)', () => {
  const rootStore = createArtifactStore(root);
  let credentials: ScopedCredentials;
  let scoped: ArtifactStore;
  let mintedAt: number;

  beforeAll(async () => {
    // The data a run reads and its neighbours', written with the root keys.
    for (const key of [
      `tenants/${tenant}/datasets/ds-1/train.jsonl`,
      `tenants/${tenant}/datasets/ds-10/train.jsonl`,
      `tenants/${tenant}/models/base-1/config.json`,
      `tenants/${tenant}/jobs/ftjob-1/training/run-2/checkpoints/step-1/state.bin`,
      `tenants/${tenant}/files/file-1`,
      `tenants/${other}/datasets/ds-1/train.jsonl`,
      `operator/models/base-1/config.json`,
    ]) {
      await rootStore.put(key, Buffer.from(`content of ${key}`));
    }
    mintedAt = Date.now();
    credentials = await mintScopedCredentials(root, scope, 3600);
    scoped = createArtifactStore({ ...root, ...credentials }).forTenant(tenant);
  });

  it('are temporary keys, not the root ones, and expire when asked', () => {
    expect(credentials.accessKey).not.toBe(root.accessKey);
    expect(credentials.sessionToken.length).toBeGreaterThan(20);
    const lifetime = (credentials.expiresAt.getTime() - mintedAt) / 1000;
    expect(lifetime).toBeGreaterThan(3600 - 60);
    expect(lifetime).toBeLessThanOrEqual(3600 + 5);
  });

  it("read the run's inputs and read, list, write and delete its own prefix", async () => {
    expect((await scoped.getBuffer('datasets/ds-1/train.jsonl')).toString()).toBe(`content of tenants/${tenant}/datasets/ds-1/train.jsonl`);
    expect(await scoped.exists('models/base-1/config.json')).toBe(true);
    expect(await drain(scoped.list('datasets/ds-1/'))).toEqual(['datasets/ds-1/train.jsonl']);

    // Large enough to go through the multipart path (8 MiB parts) as a checkpoint does.
    const big = Buffer.alloc(9 * 1024 * 1024, 7);
    await scoped.put(`${run}/checkpoints/step-1/state.bin`, big);
    await scoped.put(`${run}/checkpoints/step-1/MANIFEST.json`, Buffer.from('{}'));
    expect((await scoped.stat(`${run}/checkpoints/step-1/state.bin`)).size).toBe(big.length);
    expect(await drain(scoped.list(`${run}/checkpoints/`))).toEqual([`${run}/checkpoints/step-1/MANIFEST.json`, `${run}/checkpoints/step-1/state.bin`]);
    await scoped.delete(`${run}/checkpoints/step-1/MANIFEST.json`);
    expect(await scoped.exists(`${run}/checkpoints/step-1/MANIFEST.json`)).toBe(false);
    // The scoped store's settings carry the token, for a process that must open the same store.
    expect(storageConfigEnv({ ...root, ...credentials })).toMatchObject({ TF_S3_ACCESS_KEY: credentials.accessKey, TF_S3_SESSION_TOKEN: credentials.sessionToken });
  });

  it("get AccessDenied on another tenant's prefix, another run's, the tenant's other data and the operator's", async () => {
    const scopedRoot = createArtifactStore({ ...root, ...credentials });
    expect(await outcome(scopedRoot.getBuffer(`tenants/${other}/datasets/ds-1/train.jsonl`))).toBe('AccessDenied');
    expect(await outcome(scopedRoot.put(`tenants/${other}/datasets/ds-1/planted.jsonl`, Buffer.from('x')))).toBe('AccessDenied');
    expect(await outcome(drain(scopedRoot.list(`tenants/${other}/`)))).toBe('AccessDenied');
    expect(await outcome(scopedRoot.getBuffer('operator/models/base-1/config.json'))).toBe('AccessDenied');

    expect(await outcome(scoped.getBuffer('jobs/ftjob-1/training/run-2/checkpoints/step-1/state.bin'))).toBe('AccessDenied');
    expect(await outcome(scoped.delete('jobs/ftjob-1/training/run-2/checkpoints/step-1/state.bin'))).toBe('AccessDenied');
    expect(await outcome(drain(scoped.list('jobs/ftjob-1/training/run-2/')))).toBe('AccessDenied');
    // A prefix is a directory: run-1 does not open run-10, nor ds-1 ds-10.
    expect(await outcome(scoped.put('jobs/ftjob-1/training/run-10/x', Buffer.from('x')))).toBe('AccessDenied');
    expect(await outcome(scoped.getBuffer('datasets/ds-10/train.jsonl'))).toBe('AccessDenied');
    // Inputs are read-only; the tenant's other data is out of reach; listing the tenant's root is refused.
    expect(await outcome(scoped.put('datasets/ds-1/planted.jsonl', Buffer.from('x')))).toBe('AccessDenied');
    expect(await outcome(scoped.delete('models/base-1/config.json'))).toBe('AccessDenied');
    expect(await outcome(scoped.getBuffer('files/file-1'))).toBe('AccessDenied');
    expect(await outcome(drain(scoped.list('')))).toBe('AccessDenied');
    // Nothing was planted or removed.
    expect(await rootStore.exists(`tenants/${other}/datasets/ds-1/planted.jsonl`)).toBe(false);
    expect(await rootStore.exists(`tenants/${tenant}/models/base-1/config.json`)).toBe(true);
  });

  it('cannot mint anything wider: minting needs long-lived keys, and a lifetime MinIO honours', async () => {
    await expect(mintScopedCredentials({ ...root, ...credentials }, scope, 3600)).rejects.toThrow(StorageConfigError);
    await expect(mintScopedCredentials(root, scope, 60)).rejects.toThrow(/900-31536000 s, got 60/);
    await expect(mintScopedCredentials(root, { tenant, read: ['datasets/'], write: [] }, 900)).rejects.toThrow(/trailing/);
    await expect(mintScopedCredentials(root, { tenant, read: ['../tenant-b/datasets'], write: [] }, 900)).rejects.toThrow(/not allowed/);
  });

  it('are refused by MinIO once expired, or when the token is not the one issued with them', async () => {
    // MinIO's shortest lifetime is 15 minutes, too long to wait for here: a token that is not the one issued
    // with the keys is refused the same way (the drill in docs/security.md waited for a real expiry).
    const forged = createArtifactStore({ ...root, ...credentials, sessionToken: `${credentials.sessionToken.slice(0, -4)}AAAA` }).forTenant(tenant);
    await expect(forged.getBuffer('datasets/ds-1/train.jsonl')).rejects.toThrow(StorageCredentialsExpiredError);
    await expect(forged.getBuffer('datasets/ds-1/train.jsonl')).rejects.toThrow(/expired or are no longer valid \(InvalidTokenId at 'tenants\/tenant-a\/datasets/);
  });
});
