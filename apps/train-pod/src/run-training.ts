/**
 * The training pod program: one run, named by the environment, then exit.
 *
 *   TF_TRAINING_RUN='{"tenant":...,"requestMessageId":...,"request":{...}}' TF_POD_BUS=kafka \
 *   TF_KAFKA_BROKERS=127.0.0.1:9092 TF_STORAGE_DRIVER=minio TF_S3_ACCESS_KEY=... TF_S3_SECRET_KEY=... \
 *   node -r @swc-node/register apps/train-pod/src/run-training.ts
 *
 * Exit 0: a completion (succeeded, failed or cancelled) was published. Exit 78: bad configuration.
 * Anything else (a crash, a kill): nothing was concluded, and the trainer may start it again to resume.
 */
import { runTracedPod } from './pod-telemetry';
import { parsePodRunSpec, type PodRunSpec } from '@tuneforge/contracts';
import { createArtifactStoreFromEnv, StorageConfigError } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { randomUUID } from 'node:crypto';
import { podEnvSchema } from './pod-env';
import { IpcPodChannel, KafkaPodChannel, type PodChannel } from './training/pod-channel';
import { graderContextOf } from '@tuneforge/graders';
import { graderRuntime } from './reinforcement/grader-runtime';
import { runTraining } from './training/training-run';
import { withTrainingMetrics } from './training/training-metrics';

async function main(): Promise<number> {
  const logger = createLogger('train-pod');
  let spec: PodRunSpec;
  let env;
  try {
    env = podEnvSchema.parse(process.env);
    spec = parsePodRunSpec(env.TF_TRAINING_RUN);
  } catch (error) {
    process.stderr.write(`train-pod: invalid configuration: ${(error as Error).message}\n`);
    return 78;
  }
  let store;
  try {
    store = createArtifactStoreFromEnv(process.env);
  } catch (error) {
    if (error instanceof StorageConfigError) {
      process.stderr.write(`train-pod: ${error.message}\n`);
      return 78;
    }
    throw error;
  }
  const instanceId = env.TF_POD_INSTANCE_ID ?? `${spec.request.runId}-${randomUUID().slice(0, 8)}`;
  let channel: PodChannel;
  if (env.TF_POD_BUS === 'ipc') channel = new IpcPodChannel(spec);
  else {
    if (!env.TF_KAFKA_BROKERS) {
      process.stderr.write('train-pod: TF_KAFKA_BROKERS is required when TF_POD_BUS=kafka\n');
      return 78;
    }
    channel = new KafkaPodChannel(spec, env.TF_KAFKA_BROKERS.split(',').map((b) => b.trim()), instanceId, logger);
  }
  channel = withTrainingMetrics(channel);
  const tenantStore = store.forTenant(spec.tenant);
  logger.info({ runId: spec.request.runId, jobId: spec.request.jobId, bus: env.TF_POD_BUS, pid: process.pid }, 'training pod started');
  const result = await runTraining(spec, { store: tenantStore, channel, logger, threads: env.TF_POD_THREADS, progressEvery: env.TF_POD_PROGRESS_EVERY, graderFor: graderRuntime(graderContextOf(env)), httpTools: { tools: env.TF_ROLLOUT_HTTP_TOOLS, allowedHosts: env.TF_ROLLOUT_HTTP_HOSTS } });
  logger.info({ runId: spec.request.runId, status: result.status }, 'training pod finished');
  await channel.close();
  return 0;
}

runTracedPod(main).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`train-pod: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
