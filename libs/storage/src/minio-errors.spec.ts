import { StorageCredentialsExpiredError } from './errors';
import { translateMinioError } from './minio-errors';

const s3Error = (code: string) => Object.assign(new Error(`S3 said ${code}`), { code });

describe('translateMinioError and temporary credentials', () => {
  it('reads an unknown key id as expired temporary keys (MinIO drops expired STS keys), and says so', () => {
    const translated = translateMinioError(s3Error('InvalidAccessKeyId'), 'tenants/t/x', 'http://minio:9000', true);
    expect(translated).toBeInstanceOf(StorageCredentialsExpiredError);
    expect((translated as Error).message).toMatch(/expired or are no longer valid \(InvalidAccessKeyId at 'tenants\/t\/x'\)/);
    expect(translateMinioError(s3Error('ExpiredToken'), 'k', 'e')).toBeInstanceOf(StorageCredentialsExpiredError);
  });

  it('leaves an unknown long-lived key what it is: a configuration error', () => {
    const error = s3Error('InvalidAccessKeyId');
    expect(translateMinioError(error, 'k', 'e', false)).toBe(error);
  });
});
