import './instrument-embedded';
import { closeOnSignals } from '@tuneforge/service-kit';
import { openDatabase, redact } from '@tuneforge/database';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { createLogger, startTelemetry } from '@tuneforge/telemetry';
import { resolve } from 'node:path';
import { startEmbeddedPlatform } from './embedded-platform';
import { registerBaseModelsForEveryTenant } from './operator-models';

/**
 * `npm run start:embedded`: the whole platform in this one process, with the in-process bus and the
 * filesystem artifact store under TF_ARTIFACT_DIR (default ./.tuneforge/artifacts). Nothing else to run.
 * It registers the base models this machine has operator-wide, so that any tenant's job can run at once: the
 * real default model SmolLM2-135M-Instruct (installed by `npm run setup`) and the tests' tiny random `tiny-llama`.
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
  // Metadata in PGlite (Postgres in this process) under TF_DATABASE_URL, default ./.tuneforge/metadata.
  const databaseUrl = process.env.TF_DATABASE_URL ?? `pglite:${resolve('.tuneforge/metadata')}`;
  const database = await openDatabase(databaseUrl, { onError: (error) => logger.warn({ err: error }, 'database connection error') });
  await registerBaseModelsForEveryTenant(store, env.TF_ARTIFACT_DIR, env, logger);
  // The gateway routes chat completions to the inference service (TF_INFERENCE_URL), on TF_HTTP_PORT + 8 or, with port 0, wherever it listens.
  const deployment = await startEmbeddedPlatform({
    store,
    database,
    logger,
    host,
    basePort,
    env,
  });
  const gateway = deployment.apps.get('gateway');
  logger.info({ gateway: gateway?.url, artifacts: env.TF_ARTIFACT_DIR, database: redact(databaseUrl) }, 'Tuneforge embedded deployment ready');
  // The dashboard is served by the gateway at `/`; said in plain words too, for a person reading the terminal.
  process.stdout.write(`dashboard: ${gateway?.url}/ (sign in with an API key: tf-dev-key unless TF_API_KEYS names others)\n`);
  const telemetry = startTelemetry({ serviceName: 'tuneforge-embedded', serviceVersion: '0.1.0', instanceId: 'embedded' });
  closeOnSignals([() => deployment.close(), () => database.close(), () => telemetry.shutdown()], 25_000, logger);
}

main().catch((error) => {
  process.stderr.write(`embedded deployment failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
