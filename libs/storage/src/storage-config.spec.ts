import { createArtifactStoreFromEnv, storageEnvOf } from './create-artifact-store';
import { StorageConfigError } from './errors';
import { FilesystemArtifactStore } from './filesystem-artifact-store';
import { MinioArtifactStore } from './minio-artifact-store';
import { DEFAULT_ARTIFACT_DIR, loadStorageConfig } from './storage-config';

const minioEnv = { TF_STORAGE_DRIVER: 'minio', TF_S3_ACCESS_KEY: 'tuneforge', TF_S3_SECRET_KEY: 'tuneforge-dev-secret' };

describe('loadStorageConfig', () => {
  it('defaults to the filesystem driver of embedded mode', () => {
    expect(loadStorageConfig({})).toEqual({ driver: 'filesystem', artifactDir: DEFAULT_ARTIFACT_DIR });
    expect(loadStorageConfig({ TF_ARTIFACT_DIR: '/var/lib/tuneforge' })).toEqual({ driver: 'filesystem', artifactDir: '/var/lib/tuneforge' });
  });

  it('fills the MinIO defaults of infra/up.sh except the credentials', () => {
    expect(loadStorageConfig(minioEnv)).toEqual({
      driver: 'minio',
      endpoint: 'http://127.0.0.1:9000',
      accessKey: 'tuneforge',
      secretKey: 'tuneforge-dev-secret',
      bucket: 'tuneforge',
      region: 'us-east-1',
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadStorageConfig({ ...minioEnv, TF_S3_BUCKET: '', TF_S3_ENDPOINT: ' ' })).toMatchObject({
      bucket: 'tuneforge',
      endpoint: 'http://127.0.0.1:9000',
    });
  });

  it.each([
    [{ TF_STORAGE_DRIVER: 's3' }, 'TF_STORAGE_DRIVER'],
    [{ TF_STORAGE_DRIVER: 'minio' }, 'TF_S3_ACCESS_KEY: is required when TF_STORAGE_DRIVER=minio'],
    [{ ...minioEnv, TF_S3_SECRET_KEY: undefined }, 'TF_S3_SECRET_KEY'],
    [{ ...minioEnv, TF_S3_ENDPOINT: '127.0.0.1:9000' }, 'TF_S3_ENDPOINT'],
    [{ ...minioEnv, TF_S3_ENDPOINT: 'http://127.0.0.1:9000/bucket' }, 'TF_S3_ENDPOINT'],
    [{ ...minioEnv, TF_S3_BUCKET: 'Upper_Case' }, 'TF_S3_BUCKET'],
  ])('names the wrong variable: %j', (env, variable) => {
    expect(() => loadStorageConfig(env)).toThrow(StorageConfigError);
    expect(() => loadStorageConfig(env)).toThrow(variable);
  });

  it('never echoes the secret key in its errors', () => {
    expect(() => loadStorageConfig({ ...minioEnv, TF_S3_ENDPOINT: 'nope' })).not.toThrow(minioEnv.TF_S3_SECRET_KEY);
  });
});

describe('createArtifactStoreFromEnv', () => {
  it('builds the driver TF_STORAGE_DRIVER names', () => {
    expect(createArtifactStoreFromEnv({ TF_ARTIFACT_DIR: '/tmp/tf-artifacts' })).toBeInstanceOf(FilesystemArtifactStore);
    const minio = createArtifactStoreFromEnv({ ...minioEnv, TF_S3_BUCKET: 'artifacts' });
    expect(minio).toBeInstanceOf(MinioArtifactStore);
    expect(minio).toMatchObject({ bucket: 'artifacts', endpoint: 'http://127.0.0.1:9000' });
  });
});

describe('storageEnvOf', () => {
  it('gives another process the settings that open the same filesystem store, whatever made it', () => {
    const store = new FilesystemArtifactStore('/tmp/tf-shared-artifacts');
    const env = storageEnvOf(store);
    expect(env).toEqual({ TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: '/tmp/tf-shared-artifacts' });
    expect(createArtifactStoreFromEnv(env)).toMatchObject({ rootDir: store.rootDir });
  });

  it('gives the endpoint, bucket, region and credentials of a MinIO store, read back as the same settings', () => {
    const given = { ...minioEnv, TF_S3_ENDPOINT: 'https://s3.example.com:9443', TF_S3_BUCKET: 'artifacts', TF_S3_REGION: 'eu-west-1' };
    expect(loadStorageConfig(storageEnvOf(createArtifactStoreFromEnv(given)))).toEqual(loadStorageConfig(given));
  });

  it('refuses a store another process cannot open, such as a tenant\'s view', () => {
    expect(() => storageEnvOf(new FilesystemArtifactStore('/tmp/tf-shared-artifacts').forTenant('acme'))).toThrow(StorageConfigError);
  });
});
