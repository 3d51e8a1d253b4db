import { Module } from '@nestjs/common';
import type { MessageBus } from '@tuneforge/messaging';
import { ARTIFACT_STORE, LOGGER, MESSAGE_BUS, SERVICE_CONFIG } from '@tuneforge/service-kit';
import type { ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { LocalProcessLauncher } from './runs/local-process-launcher';
import { podStorageEnv, withoutCredentials } from './runs/pod-storage-access';
import { TRAINER_SETTINGS, type TrainerSettings } from './runs/trainer-settings';
import { TRAINING_LAUNCHER, type TrainingLauncher } from './runs/training-launcher';
import { TrainingHandlers } from './runs/training.handlers';
import { TrainingRuns } from './runs/training-runs.service';
import { resolveTrainerConfig, WORKSPACE_ROOT } from './trainer-config';

/**
 * The launcher TF_TRAIN_LAUNCHER names: local child processes, or Kubernetes Jobs (Kafka bus only). `store` is
 * the trainer's own: the one its deployment gave it, which a local pod opens too.
 */
export async function createTrainingLauncher(raw: unknown, bus: MessageBus, logger: Logger, store: ArtifactStore): Promise<TrainingLauncher> {
  const config = resolveTrainerConfig(raw);
  const operatorEnv = withoutCredentials(store, config.TF_TRAIN_POD_ENV ?? {});
  if (operatorEnv.dropped.length > 0) logger.warn({ ignored: operatorEnv.dropped }, 'TF_TRAIN_POD_ENV names storage credentials: ignored, each run gets credentials minted for it');
  const podEnv = {
    TF_POD_THREADS: String(config.TF_TRAIN_POD_THREADS),
    TF_POD_PROGRESS_EVERY: String(config.TF_TRAIN_POD_PROGRESS_EVERY),
    ...operatorEnv.env,
  };
  if (config.TF_TRAIN_LAUNCHER === 'kubernetes') {
    if (bus.transport === 'in-process') {
      throw new Error('TF_TRAIN_LAUNCHER=kubernetes needs the Kafka bus (distributed mode): a pod in the cluster cannot reach an in-process bus');
    }
    // Loaded only here: the Kubernetes client is large and embedded or local runs never need it. A Job's pod
    // reads the store's address from the template's ConfigMap; its credentials are minted per run, lasting
    // until the Job's deadline, and written into the Job (never the trainer's own).
    const { createKubernetesLauncher } = await import('./kubernetes/create-kubernetes-launcher');
    return createKubernetesLauncher(config, podEnv, logger, (seconds) => podStorageEnv(store, seconds));
  }
  return new LocalProcessLauncher({
    entry: config.TF_TRAIN_POD_ENTRY,
    cwd: WORKSPACE_ROOT,
    // The in-process bus cannot reach another process: the pod's messages go through this one.
    bus: bus.transport === 'in-process' ? 'ipc' : 'kafka',
    // The pod must open the very store the trainer uses, which its deployment made from whatever settings
    // it was given (embedded: the launcher's, not this process's environment); with MinIO, through keys
    // minted for its run. TF_TRAIN_POD_ENV may still name other settings for it.
    storageEnv: podStorageEnv(store, config.TF_TRAIN_POD_CREDENTIAL_SECONDS),
    env: podEnv,
    forwardOutput: config.TF_TRAIN_POD_LOGS === 'true',
    logger,
  });
}

@Module({
  controllers: [TrainingHandlers],
  providers: [
    TrainingRuns,
    {
      provide: TRAINER_SETTINGS,
      inject: [SERVICE_CONFIG],
      useFactory: (raw: unknown): TrainerSettings => ({ maxAttempts: resolveTrainerConfig(raw).TF_TRAIN_POD_MAX_ATTEMPTS }),
    },
    {
      provide: TRAINING_LAUNCHER,
      inject: [SERVICE_CONFIG, MESSAGE_BUS, LOGGER, ARTIFACT_STORE],
      useFactory: createTrainingLauncher,
    },
  ],
})
export class TrainerModule {}
