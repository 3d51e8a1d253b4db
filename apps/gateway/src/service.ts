import type { ServiceDefinition } from '@tuneforge/service-kit';
import { version } from '../package.json';
import { gatewayEnvSchema } from './config/gateway-config';
import { GatewayModule } from './gateway.module';

/** The HTTP edge of Tuneforge. */
export const service: ServiceDefinition = {
  name: 'gateway',
  version,
  module: GatewayModule,
  envSchema: gatewayEnvSchema,
  needsDatabase: true,
};
