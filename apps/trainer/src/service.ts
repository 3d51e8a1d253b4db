import type { ServiceDefinition } from '@tuneforge/service-kit';
import { version } from '../package.json';
import { trainerEnvSchema } from './trainer-config';
import { TrainerModule } from './trainer.module';

/** The trainer service: launches a training pod per `training.run.requested.v1`, relays control, relaunches a dead pod once. */
export const service: ServiceDefinition = { name: 'trainer', version, module: TrainerModule, envSchema: trainerEnvSchema };
