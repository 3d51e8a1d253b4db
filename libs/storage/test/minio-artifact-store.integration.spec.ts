import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Client } from 'minio';
import { ArtifactExistsError } from '../src/errors';
import { MinioArtifactStore, type MinioArtifactStoreOptions } from '../src/minio-artifact-store';
import { describeArtifactStoreConformance } from '../src/testing/artifact-store-conformance';
import { pseudoRandomStream } from '../src/testing/pseudo-random-stream';

/** The local MinIO that infra/up.sh starts, unless TF_S3_* point elsewhere. */
const connection = {
  endpoint: process.env.TF_S3_ENDPOINT || 'http://127.0.0.1:9000',
  accessKey: process.env.TF_S3_ACCESS_KEY || 'tuneforge',
  secretKey: process.env.TF_S3_SECRET_KEY || 'tuneforge-dev-secret',
  region: process.env.TF_S3_REGION || 'us-east-1',
};

const MiB = 1024 * 1024;

/** A bucket of its own per run and per use, so runs never see each other's objects. */
function uniqueBucket(purpose: string): string {
  return `tf-it-${purpose}-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
}

function plainClient(): Client {
  const url = new URL(connection.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    useSSL: url.protocol === 'https:',
    accessKey: connection.accessKey,
    secretKey: connection.secretKey,
    region: connection.region,
    pathStyle: true,
  });
}

/** Fails the test run, never skips it: an integration suite that quietly skips proves nothing. */
async function connectedStore(options: Partial<MinioArtifactStoreOptions> & { bucket: string }): Promise<MinioArtifactStore> {
  const store = new MinioArtifactStore({ ...connection, ...options });
  try {
    await store.ping();
  } catch (error) {
    throw new Error(
      `MinIO is not reachable at ${connection.endpoint} (${(error as Error).message}). ` +
        'Start it with infra/up.sh, or point TF_S3_ENDPOINT, TF_S3_ACCESS_KEY and TF_S3_SECRET_KEY at a running S3 service.',
    );
  }
  return store;
}

async function removeBucket(bucket: string): Promise<void> {
  const client = plainClient();
  if (!(await client.bucketExists(bucket))) return;
  const names: string[] = [];
  for await (const item of client.listObjectsV2(bucket, '', true)) if (item.name) names.push(item.name);
  for (let start = 0; start < names.length; start += 1000) await client.removeObjects(bucket, names.slice(start, start + 1000));
  for await (const upload of client.listIncompleteUploads(bucket, '', true)) {
    await client.abortMultipartUpload(bucket, upload.key, upload.uploadId);
  }
  await client.removeBucket(bucket);
}

async function incompleteUploads(bucket: string): Promise<string[]> {
  const client = plainClient();
  // The store creates its bucket lazily, so early on there may be no bucket to look in.
  if (!(await client.bucketExists(bucket))) return [];
  const keys: string[] = [];
  for await (const upload of client.listIncompleteUploads(bucket, '', true)) keys.push(upload.key);
  return keys;
}

describeArtifactStoreConformance('minio', async () => {
  const bucket = uniqueBucket('conformance');
  return { store: await connectedStore({ bucket }), dispose: () => removeBucket(bucket) };
});

describe('MinioArtifactStore against a real MinIO', () => {
  const buckets: string[] = [];
  const freshStore = async (): Promise<{ store: MinioArtifactStore; bucket: string }> => {
    const bucket = uniqueBucket('driver');
    buckets.push(bucket);
    return { store: await connectedStore({ bucket }), bucket };
  };

  afterAll(async () => {
    for (const bucket of buckets) await removeBucket(bucket);
  });

  it('creates its bucket on first use', async () => {
    const { store, bucket } = await freshStore();
    expect(await plainClient().bucketExists(bucket)).toBe(false);
    expect(await store.exists('nothing-yet')).toBe(false);
    await store.put('first.txt', 'hello');
    expect(await plainClient().bucketExists(bucket)).toBe(true);
  });

  it('refuses at CompleteMultipartUpload when another writer creates the key mid-upload', async () => {
    const { store, bucket } = await freshStore();
    const body = new PassThrough();
    // The existence pre-check passes (nothing there yet) and the multipart upload starts ...
    const slowWrite = store.put('contested.bin', body);
    body.write(Buffer.alloc(20 * MiB, 1));
    await waitFor(async () => (await incompleteUploads(bucket)).includes('contested.bin'));
    // ... a second writer wins the key while the first is still streaming ...
    await store.put('contested.bin', 'the winner');
    body.end(Buffer.alloc(MiB, 7));
    // ... and the conditional complete refuses the loser instead of overwriting.
    await expect(slowWrite).rejects.toBeInstanceOf(ArtifactExistsError);
    expect((await store.getBuffer('contested.bin')).toString()).toBe('the winner');
    expect(await incompleteUploads(bucket)).toEqual([]);
  });

  it('aborts the multipart upload and creates nothing when the body fails', async () => {
    const { store, bucket } = await freshStore();
    const body = new PassThrough();
    const failedWrite = store.put('broken.bin', body);
    body.write(Buffer.alloc(20 * MiB, 3));
    await waitFor(async () => (await incompleteUploads(bucket)).includes('broken.bin'));
    body.destroy(new Error('client went away'));
    await expect(failedWrite).rejects.toThrow('client went away');
    expect(await store.exists('broken.bin')).toBe(false);
    expect(await incompleteUploads(bucket)).toEqual([]);
  });

  it('records the sha256 of multipart objects as a tag and of single-part ones as metadata', async () => {
    const { store, bucket } = await freshStore();
    const large = await store.put('large.bin', pseudoRandomStream(20 * MiB, 'tagged'));
    const small = await store.put('small.txt', 'small');
    const client = plainClient();
    expect(await client.getObjectTagging(bucket, 'large.bin')).toEqual([{ Key: 'tf-sha256', Value: large.sha256 }]);
    expect((await client.statObject(bucket, 'small.txt')).metaData['tf-sha256']).toBe(small.sha256);
    expect((await store.stat('large.bin')).sha256).toBe(large.sha256);
    expect((await store.stat('small.txt')).sha256).toBe(small.sha256);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
