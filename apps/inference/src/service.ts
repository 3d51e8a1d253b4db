import type { ServiceDefinition } from '@tuneforge/service-kit';
import { version } from '../package.json';
import { inferenceEnvSchema } from './config/inference-config';
import { InferenceModule } from './inference.module';

/** Serves the models Tuneforge knows, OpenAI's chat completions and completions over HTTP. */
export const service: ServiceDefinition = {
  name: 'inference',
  version,
  module: InferenceModule,
  envSchema: inferenceEnvSchema,
  needsDatabase: true,
};
