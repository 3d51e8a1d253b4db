import { service as gateway } from '@tuneforge/gateway';
import { MODEL_ARTIFACT_KIND, modelArtifactPrefix } from '@tuneforge/contracts';
import type { Database } from '@tuneforge/database';
import { startEmbeddedDeployment, type EmbeddedDeployment } from '@tuneforge/service-kit';
import { commitLocalDirectory, FilesystemArtifactStore, type ArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { LoadedModels } from '../src/models/loaded-models';
import { service as inference } from '../src/service';

export const TINY_LLAMA_DIR = join(__dirname, '..', '..', '..', 'tools/tiny-model/models/tiny-llama');
export const TINY_MODEL = 'tiny-llama';
export const KEY_A = 'serving-key-tenant-a';
export const KEY_B = 'serving-key-tenant-b';

export interface Serving {
  store: ArtifactStore;
  /** The metadata database both services share (model records among them). */
  database: Database;
  gatewayUrl: string;
  inferenceUrl: string;
  client(apiKey: string): OpenAI;
  loadedModels(): LoadedModels;
  close(): Promise<void>;
}

/** Registers the committed tiny Llama as a tenant's base model, as a deployment registers its base models. */
export async function registerTinyModel(store: ArtifactStore, tenant: string): Promise<void> {
  await commitLocalDirectory(store.forTenant(tenant), modelArtifactPrefix(TINY_MODEL), TINY_LLAMA_DIR, { kind: MODEL_ARTIFACT_KIND, metadata: { name: TINY_MODEL } });
}

/**
 * The inference service and the gateway as embedded mode runs them, over one filesystem store: the inference
 * service starts first so the gateway can be given its URL (TF_INFERENCE_URL), as the launchers do; the gateway
 * shares the metadata database the inference deployment opened.
 */
export async function startServing(env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-serving-')));
  await registerTinyModel(store, 'tenant-a');
  await registerTinyModel(store, 'tenant-b');
  const logger = createLogger('serving-test', { level: 'warn' });
  const common = { store, logger, host: '127.0.0.1', basePort: 0 };
  const inferenceEnv = { TF_INFERENCE_MODEL_DIR: mkdtempSync(join(tmpdir(), 'tf-serving-models-')), TF_INFERENCE_THREADS: '1', ...env };
  const serving: EmbeddedDeployment = await startEmbeddedDeployment([inference], { ...common, env: inferenceEnv });
  const inferenceUrl = serving.apps.get('inference')!.url;
  const database = serving.database!;
  const edge: EmbeddedDeployment = await startEmbeddedDeployment([gateway], {
    ...common,
    database,
    env: { TF_API_KEYS: `${KEY_A}:tenant-a,${KEY_B}:tenant-b`, TF_INFERENCE_URL: inferenceUrl },
  });
  const gatewayUrl = edge.apps.get('gateway')!.url;
  return {
    store,
    database,
    gatewayUrl,
    inferenceUrl,
    client: (apiKey) => new OpenAI({ apiKey, baseURL: `${gatewayUrl}/v1`, maxRetries: 0 }),
    loadedModels: () => serving.apps.get('inference')!.app.get(LoadedModels),
    close: async () => {
      await edge.close();
      await serving.close();
    },
  };
}
