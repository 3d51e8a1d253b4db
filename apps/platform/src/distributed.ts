import type { ChildProcess } from 'node:child_process';
import { SERVICE_NAMES } from '@tuneforge/contracts';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { resolve } from 'node:path';
import { registerBaseModelsForEveryTenant } from './operator-models';
import { localInfraEnv, spawnService } from './spawn-service';

/**
 * `npm run start:distributed`: each service in its own process against Kafka and MinIO (start them
 * with `infra/up.sh`). Ports from TF_HTTP_PORT (gateway, default 8080) upwards. Ctrl-C or SIGTERM
 * stops them all, each shutting down cleanly. First it registers the base models operator-wide in MinIO.
 */
async function main(): Promise<void> {
  const logger = createLogger('distributed');
  await registerBaseModelsForEveryTenant(createArtifactStoreFromEnv(localInfraEnv()), resolve('.tuneforge/distributed'), process.env, logger);
  const basePort = Number(process.env.TF_HTTP_PORT ?? 8080);
  // The gateway routes chat completions to the inference service, which takes its port in SERVICE_NAMES' order.
  const inferenceUrl = process.env.TF_INFERENCE_URL ?? `http://127.0.0.1:${basePort + SERVICE_NAMES.indexOf('inference')}`;
  const children: ChildProcess[] = SERVICE_NAMES.map((name, index) =>
    spawnService(name, { ...localInfraEnv(), TF_HTTP_PORT: String(basePort + index), TF_INFERENCE_URL: inferenceUrl }),
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const child of children) child.kill(signal);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (const [index, child] of children.entries()) {
    child.once('exit', (code) => {
      if (!stopping) {
        process.stderr.write(`${SERVICE_NAMES[index]} exited with code ${code}; stopping the others\n`);
        stop('SIGTERM');
        process.exitCode = 1;
      }
    });
  }
}

main().catch((error) => {
  process.stderr.write(`start:distributed failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
