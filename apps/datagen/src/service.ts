import type { ServiceDefinition } from '@tuneforge/service-kit';
import { version } from '../package.json';
import { datagenEnvSchema } from './config/datagen-config';
import { DatagenModule } from './datagen.module';

/** The datagen service: prepares a job's data (validate, normalize, synthesize, split, report) on request. */
export const service: ServiceDefinition = { name: 'datagen', version, module: DatagenModule, envSchema: datagenEnvSchema };
