import { Module } from '@nestjs/common';
import type { MessageBus } from '@tuneforge/messaging';
import { LOGGER, MESSAGE_BUS, SERVICE_CONFIG } from '@tuneforge/service-kit';
import type { Logger } from '@tuneforge/telemetry';
import { LocalProcessLauncher } from './runs/local-process-launcher';
import { TRAINER_SETTINGS, type TrainerSettings } from './runs/trainer-settings';
import { TRAINING_LAUNCHER, type TrainingLauncher } from './runs/training-launcher';
import { TrainingHandlers } from './runs/training.handlers';
import { TrainingRuns } from './runs/training-runs.service';
import { resolveTrainerConfig, WORKSPACE_ROOT } from './trainer-config';

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
      inject: [SERVICE_CONFIG, MESSAGE_BUS, LOGGER],
      useFactory: (raw: unknown, bus: MessageBus, logger: Logger): TrainingLauncher => {
        const config = resolveTrainerConfig(raw);
        return new LocalProcessLauncher({
          entry: config.TF_TRAIN_POD_ENTRY,
          cwd: WORKSPACE_ROOT,
          // The in-process bus cannot reach another process: the pod's messages go through this one.
          bus: bus.transport === 'in-process' ? 'ipc' : 'kafka',
          env: {
            TF_POD_THREADS: String(config.TF_TRAIN_POD_THREADS),
            TF_POD_PROGRESS_EVERY: String(config.TF_TRAIN_POD_PROGRESS_EVERY),
            ...config.TF_TRAIN_POD_ENV,
          },
          forwardOutput: config.TF_TRAIN_POD_LOGS === 'true',
          logger,
        });
      },
    },
  ],
})
export class TrainerModule {}
