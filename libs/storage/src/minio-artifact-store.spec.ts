import { createServer, type Server } from 'node:net';
import { StorageUnavailableError } from './errors';
import { MinioArtifactStore } from './minio-artifact-store';

const credentials = { accessKey: 'tuneforge', secretKey: 'tuneforge-dev-secret', bucket: 'tuneforge', region: 'us-east-1' };

/** A port that accepts connections and never answers: what a firewall that drops packets looks like to a client. */
async function silentServer(): Promise<{ server: Server; port: number }> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('MinioArtifactStore without a server', () => {
  it('fails ping with StorageUnavailableError when nothing listens', async () => {
    const probe = await silentServer();
    const port = probe.port;
    await new Promise((resolve) => probe.server.close(resolve));
    const store = new MinioArtifactStore({ endpoint: `http://127.0.0.1:${port}`, ...credentials });
    await expect(store.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.ping()).rejects.toMatchObject({ retriable: true, message: expect.stringContaining(`127.0.0.1:${port}`) });
  });

  it('fails ping within its timeout when the server never answers', async () => {
    const { server, port } = await silentServer();
    try {
      const store = new MinioArtifactStore({ endpoint: `http://127.0.0.1:${port}`, ...credentials, pingTimeoutMs: 200 });
      await expect(store.ping()).rejects.toThrow(/no answer within 200 ms/);
    } finally {
      server.close();
    }
  });

  it('refuses a part size below the S3 minimum', () => {
    expect(() => new MinioArtifactStore({ endpoint: 'http://127.0.0.1:9000', ...credentials, partSizeBytes: 1024 })).toThrow(RangeError);
  });
});
