import './instrument-embedded';
import { service as gatewayService } from '@tuneforge/gateway';
import { closeOnSignals, loadServiceConfig } from '@tuneforge/service-kit';
import { DEFAULT_BASE_MODEL, installedDefaultModel } from '@tuneforge/model-import';
import { createArtifactStoreFromEnv, ModelRegistry, type ArtifactStore } from '@tuneforge/storage';
import { createLogger, startTelemetry, type Logger } from '@tuneforge/telemetry';
import { resolve } from 'node:path';
import { startEmbeddedPlatform } from './embedded-platform';
import { makeTinyModel, TINY_MODEL_NAME, tinyModelDirUnder } from './tiny-base-model';

/** The tenant of embedded mode's development key (`tf-dev-key`), which the gateway accepts when TF_API_KEYS is not set. */
const DEV_TENANT = 'default';

/**
 * `npm run start:embedded`: the whole platform in this one process, with the in-process bus and the
 * filesystem artifact store under TF_ARTIFACT_DIR (default ./.tuneforge/artifacts). Nothing else to run.
 * It registers the base models this machine has for every tenant, so that a job can run at once: the real
 * default model SmolLM2-135M-Instruct (installed by `npm run setup`) and the tests' tiny random `tiny-llama`.
 */
async function main(): Promise<void> {
  const logger = createLogger('embedded');
  const host = process.env.TF_HTTP_HOST ?? '127.0.0.1';
  const basePort = Number(process.env.TF_HTTP_PORT ?? 8080);
  const env = {
    ...process.env,
    TF_STORAGE_DRIVER: process.env.TF_STORAGE_DRIVER ?? 'filesystem',
    TF_ARTIFACT_DIR: process.env.TF_ARTIFACT_DIR ?? resolve('.tuneforge/artifacts'),
    TF_INFERENCE_MODEL_DIR: process.env.TF_INFERENCE_MODEL_DIR ?? resolve('.tuneforge/inference-models'),
  };
  const store = createArtifactStoreFromEnv(env);
  await registerBaseModelsForEveryTenant(store, env, logger);
  // The gateway routes chat completions to the inference service (TF_INFERENCE_URL), on TF_HTTP_PORT + 8 or, with port 0, wherever it listens.
  const deployment = await startEmbeddedPlatform({
    store,
    logger,
    host,
    basePort,
    env,
  });
  const gateway = deployment.apps.get('gateway');
  logger.info({ gateway: gateway?.url, artifacts: env.TF_ARTIFACT_DIR }, 'Tuneforge embedded deployment ready');
  const telemetry = startTelemetry({ serviceName: 'tuneforge-embedded', serviceVersion: '0.1.0', instanceId: 'embedded' });
  closeOnSignals([() => deployment.close(), () => telemetry.shutdown()], 25_000, logger);
}

/**
 * The base models registered for the tenants of TF_API_KEYS (the development key's tenant when it is not set):
 * SmolLM2-135M-Instruct from the cache `npm run setup` installs it into, and the tiny model made as the quick
 * start makes it (under the artifact directory). A model already registered is kept.
 */
async function registerBaseModelsForEveryTenant(store: ArtifactStore, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const keys = loadServiceConfig(gatewayService.envSchema!, env).TF_API_KEYS as ReadonlyMap<string, string> | undefined;
  const tenants = keys ? [...new Set(keys.values())] : [DEV_TENANT];
  const tinyDir = tinyModelDirUnder(env.TF_ARTIFACT_DIR!);
  makeTinyModel(tinyDir);
  const models = new Map([[TINY_MODEL_NAME, tinyDir]]);
  const installed = installedDefaultModel(env);
  if (installed) models.set(DEFAULT_BASE_MODEL.name, installed.dir);
  else logger.warn({ model: DEFAULT_BASE_MODEL.name }, `${DEFAULT_BASE_MODEL.name} is not installed on this machine: run \`npm run setup\` (or \`npm run install-default-model\`)`);
  for (const tenant of tenants) {
    const registry = new ModelRegistry(store.forTenant(tenant), tenant);
    for (const [name, dir] of models) {
      const outcome = await registry.addBaseModel(name, dir);
      logger.info({ model: name, tenant, files: dir, outcome }, `base model '${name}' ${outcome} for tenant '${tenant}'`);
    }
  }
}

main().catch((error) => {
  process.stderr.write(`embedded deployment failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
