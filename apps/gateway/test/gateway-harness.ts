import { MODEL_ARTIFACT_KIND, modelArtifactPrefix } from '@tuneforge/contracts';
import { startEmbeddedDeployment, type EmbeddedDeployment, type ServiceDefinition } from '@tuneforge/service-kit';
import { commitLocalDirectory, FilesystemArtifactStore, MinioArtifactStore, type ArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { service } from '../src/service';

export const KEY_A = 'test-key-tenant-a';
export const KEY_B = 'test-key-tenant-b';
const TINY_LLAMA_DIR = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');

/** The local MinIO that infra/up.sh starts, unless TF_S3_* point elsewhere. */
const minio = {
  endpoint: process.env.TF_S3_ENDPOINT || 'http://127.0.0.1:9000',
  accessKey: process.env.TF_S3_ACCESS_KEY || 'tuneforge',
  secretKey: process.env.TF_S3_SECRET_KEY || 'tuneforge-dev-secret',
  region: process.env.TF_S3_REGION || 'us-east-1',
};

export type StoreKind = 'filesystem' | 'minio';

/** Fails, never skips, when MinIO is not there: an integration suite that quietly skips proves nothing. */
export async function createStore(kind: StoreKind): Promise<ArtifactStore> {
  if (kind === 'filesystem') return new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-gateway-')));
  const store = new MinioArtifactStore({ ...minio, bucket: `tf-it-gateway-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}` });
  try {
    await store.ping();
  } catch (error) {
    throw new Error(
      `MinIO is not reachable at ${minio.endpoint} (${(error as Error).message}). ` +
        'Start it with infra/up.sh, or point TF_S3_ENDPOINT, TF_S3_ACCESS_KEY and TF_S3_SECRET_KEY at a running S3 service.',
    );
  }
  return store;
}

export interface RunningGateway {
  url: string;
  deployment: EmbeddedDeployment;
  client(apiKey: string): OpenAI;
}

/** The gateway as the embedded deployment runs it, on a free port, over the given store. */
export async function startGateway(store: ArtifactStore, env: NodeJS.ProcessEnv): Promise<RunningGateway> {
  const deployment = await startEmbeddedDeployment([service], {
    store,
    logger: createLogger('gateway-test', { level: 'warn' }),
    host: '127.0.0.1',
    basePort: 0,
    env,
  });
  const url = deployment.apps.get('gateway')!.url;
  return {
    url,
    deployment,
    client: (apiKey) => new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 }),
  };
}

/**
 * The gateway with the services a job needs (orchestrator, datagen, trainer; the evaluator where given), over the
 * in-process bus and a filesystem store holding `tiny-llama` as tenant-a's base model; training pods are child
 * processes reading the same store. One key: KEY_A for tenant-a.
 */
export async function startJobDeployment(name: string, services: ServiceDefinition[], env: NodeJS.ProcessEnv = {}): Promise<{ deployment: EmbeddedDeployment; client: OpenAI; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), `tf-gateway-${name}-`));
  const store = new FilesystemArtifactStore(dir);
  await commitLocalDirectory(store.forTenant('tenant-a'), modelArtifactPrefix('tiny-llama'), TINY_LLAMA_DIR, { kind: MODEL_ARTIFACT_KIND, metadata: { name: 'tiny-llama' } });
  const deployment = await startEmbeddedDeployment([service, ...services], {
    store,
    logger: createLogger(`gateway-${name}-test`, { level: 'warn' }),
    host: '127.0.0.1',
    basePort: 0,
    env: {
      TF_API_KEYS: `${KEY_A}:tenant-a`,
      TF_RATE_LIMIT_PER_MINUTE: '100000',
      TF_TRAIN_POD_THREADS: '2',
      TF_TRAIN_POD_LOGS: 'false',
      TF_TRAIN_POD_ENV: JSON.stringify({ TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: dir }),
      ...env,
    },
  });
  const url = deployment.apps.get('gateway')!.url;
  return { deployment, url, client: new OpenAI({ apiKey: KEY_A, baseURL: `${url}/v1`, maxRetries: 0 }) };
}
