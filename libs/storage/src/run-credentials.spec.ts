import { loadStorageConfig, storageConfigEnv } from './storage-config';
import { runScopePolicy } from './run-credentials';

describe('runScopePolicy', () => {
  it("names the run's directories under its tenant, each closed with '/', listing only inside them", () => {
    const policy = runScopePolicy('tuneforge', { tenant: 'acme', read: ['datasets/ds-1', 'models/m'], write: ['jobs/j/training/r'] }) as { Statement: Array<Record<string, unknown>> };
    const [bucket, list, read, write] = policy.Statement;
    expect(bucket).toEqual({ Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:HeadBucket'], Resource: ['arn:aws:s3:::tuneforge'] });
    expect(list!.Condition).toEqual({ StringLike: { 's3:prefix': ['tenants/acme/datasets/ds-1/*', 'tenants/acme/models/m/*', 'tenants/acme/jobs/j/training/r/*'] } });
    expect(read!.Resource).toEqual(['arn:aws:s3:::tuneforge/tenants/acme/datasets/ds-1/*', 'arn:aws:s3:::tuneforge/tenants/acme/models/m/*', 'arn:aws:s3:::tuneforge/tenants/acme/jobs/j/training/r/*']);
    expect(read!.Action).not.toContain('s3:PutObject');
    expect(write!.Resource).toEqual(['arn:aws:s3:::tuneforge/tenants/acme/jobs/j/training/r/*']);
    expect(write!.Action).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']));
  });

  it('refuses what could widen the scope: another tenant id, climbing segments, an empty or open-ended prefix', () => {
    expect(() => runScopePolicy('b', { tenant: '../x', read: [], write: [] })).toThrow(/tenant/);
    expect(() => runScopePolicy('b', { tenant: 'a', read: ['../b/datasets'], write: [] })).toThrow(/not allowed/);
    expect(() => runScopePolicy('b', { tenant: 'a', read: [''], write: [] })).toThrow(/trailing/);
    expect(() => runScopePolicy('b', { tenant: 'a', read: [], write: ['jobs/'] })).toThrow(/trailing/);
  });

  it('without a writable prefix the policy has no write statement', () => {
    const policy = runScopePolicy('b', { tenant: 'a', read: ['datasets/d'], write: [] }) as { Statement: unknown[] };
    expect(policy.Statement).toHaveLength(3);
  });
});

describe('TF_S3_SESSION_TOKEN', () => {
  it('is read with the keys and written back for another process', () => {
    const env = { TF_STORAGE_DRIVER: 'minio', TF_S3_ACCESS_KEY: 'k', TF_S3_SECRET_KEY: 's', TF_S3_SESSION_TOKEN: 't' };
    const config = loadStorageConfig(env);
    expect(config).toMatchObject({ driver: 'minio', accessKey: 'k', sessionToken: 't' });
    expect(storageConfigEnv(config)).toMatchObject({ TF_S3_SESSION_TOKEN: 't' });
    expect(storageConfigEnv(loadStorageConfig({ ...env, TF_S3_SESSION_TOKEN: '' }))).not.toHaveProperty('TF_S3_SESSION_TOKEN');
  });
});
