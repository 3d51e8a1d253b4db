import './instrument-embedded';
import { service as gatewayService } from '@tuneforge/gateway';
import { closeOnSignals, loadServiceConfig } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv, type ArtifactStore } from '@tuneforge/storage';
import { createLogger, startTelemetry, type Logger } from '@tuneforge/telemetry';
import { resolve } from 'node:path';
import { startEmbeddedPlatform } from './embedded-platform';
import { makeTinyModel, registerTinyModel, TINY_MODEL_NAME, tinyModelDirUnder } from './tiny-base-model';

/** The tenant of embedded mode's development key (`tf-dev-key`), which the gateway accepts when TF_API_KEYS is not set. */
const DEV_TENANT = 'default';

/**
 * `npm run start:embedded`: the whole platform in this one process, with the in-process bus and the
 * filesystem artifact store under TF_ARTIFACT_DIR (default ./.tuneforge/artifacts). Nothing else to run.
 * Until base models can be registered through the platform, it registers the quick start's tiny model as
 * `tiny-llama` for every tenant, so that a job can run at once.
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
  await registerTinyModelForEveryTenant(store, env, tinyModelDirUnder(env.TF_ARTIFACT_DIR), logger);
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
 * The stand-in for model registration: the tiny model made as the quick start makes it, in `modelDir` (under
 * the artifact directory), registered for the tenants of TF_API_KEYS (the development key's tenant when it is not set).
 */
async function registerTinyModelForEveryTenant(store: ArtifactStore, env: NodeJS.ProcessEnv, modelDir: string, logger: Logger): Promise<void> {
  const keys = loadServiceConfig(gatewayService.envSchema!, env).TF_API_KEYS as ReadonlyMap<string, string> | undefined;
  const tenants = keys ? [...new Set(keys.values())] : [DEV_TENANT];
  makeTinyModel(modelDir);
  for (const tenant of tenants) {
    const outcome = await registerTinyModel(store, tenant, modelDir);
    const what =
      outcome === 'registered' ? `registered the quick start's tiny model as base model '${TINY_MODEL_NAME}'` : `base model '${TINY_MODEL_NAME}' is already registered`;
    logger.info(
      { model: TINY_MODEL_NAME, tenant, files: modelDir, outcome },
      `${what} for tenant '${tenant}': jobs can use model '${TINY_MODEL_NAME}'. start:embedded registers this tiny test model ` +
        'until model registration exists; no other base model can be added yet',
    );
  }
}

main().catch((error) => {
  process.stderr.write(`embedded deployment failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
