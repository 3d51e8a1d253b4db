import './instrument-embedded';
import { closeOnSignals, startEmbeddedDeployment } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { createLogger, startTelemetry } from '@tuneforge/telemetry';
import { resolve } from 'node:path';
import { ALL_SERVICES } from './services';

/**
 * `npm run start:embedded`: the whole platform in this one process, with the in-process bus and the
 * filesystem artifact store under TF_ARTIFACT_DIR (default ./.tuneforge/artifacts). Nothing else to run.
 */
async function main(): Promise<void> {
  const logger = createLogger('embedded');
  const env = {
    ...process.env,
    TF_STORAGE_DRIVER: process.env.TF_STORAGE_DRIVER ?? 'filesystem',
    TF_ARTIFACT_DIR: process.env.TF_ARTIFACT_DIR ?? resolve('.tuneforge/artifacts'),
  };
  const deployment = await startEmbeddedDeployment(ALL_SERVICES, {
    store: createArtifactStoreFromEnv(env),
    logger,
    host: process.env.TF_HTTP_HOST ?? '127.0.0.1',
    basePort: Number(process.env.TF_HTTP_PORT ?? 8080),
    env,
  });
  const gateway = deployment.apps.get('gateway');
  logger.info({ gateway: gateway?.url, artifacts: env.TF_ARTIFACT_DIR }, 'Tuneforge embedded deployment ready');
  const telemetry = startTelemetry({ serviceName: 'tuneforge-embedded', serviceVersion: '0.1.0', instanceId: 'embedded' });
  closeOnSignals([() => deployment.close(), () => telemetry.shutdown()], 25_000, logger);
}

main().catch((error) => {
  process.stderr.write(`embedded deployment failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
