import { spawnService } from '../src/spawn-service';

/** A service with a bad environment must not start half-configured: it exits at once and says why. */
describe('service start-up with a wrong configuration', () => {
  function run(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
    const child = spawnService('datagen', env, 'pipe');
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  }

  it('exits with EX_CONFIG and names each wrong variable with what was expected', async () => {
    const { code, stderr } = await run({ TF_HTTP_PORT: 'eighty', TF_KAFKA_BROKERS: 'no-port-here', TF_MODE: 'distributed' });
    expect(code).toBe(78);
    expect(stderr).toContain('TF_HTTP_PORT');
    expect(stderr).toContain('got "eighty"');
    expect(stderr).toMatch(/TF_KAFKA_BROKERS: expected host:port/);
  });

  it('names the storage variable a distributed service is missing', async () => {
    const { code, stderr } = await run({ TF_HTTP_PORT: '18999', TF_KAFKA_BROKERS: '127.0.0.1:9092', TF_STORAGE_DRIVER: 'minio', TF_S3_ACCESS_KEY: '' });
    expect(code).toBe(78);
    expect(stderr).toMatch(/TF_S3_ACCESS_KEY: is required when TF_STORAGE_DRIVER=minio/);
  });
});
