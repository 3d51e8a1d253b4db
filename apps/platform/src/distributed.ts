import type { ChildProcess } from 'node:child_process';
import { SERVICE_NAMES } from '@tuneforge/contracts';
import { localInfraEnv, spawnService } from './spawn-service';

/**
 * `npm run start:distributed`: each service in its own process against Kafka and MinIO (start them
 * with `infra/up.sh`). Ports from TF_HTTP_PORT (gateway, default 8080) upwards. Ctrl-C or SIGTERM
 * stops them all, each shutting down cleanly.
 */
function main(): void {
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

main();
