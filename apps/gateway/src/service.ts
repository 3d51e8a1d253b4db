import type { ServiceDefinition } from '@tuneforge/service-kit';
import { z } from 'zod';
import { version } from '../package.json';
import { GatewayModule } from './gateway.module';

/** The HTTP edge of Tuneforge. */
export const service: ServiceDefinition = {
  name: 'gateway',
  version,
  module: GatewayModule,
  envSchema: z.object({
    /** How long POST /v1/ping waits for the services that have not answered yet. */
    TF_PING_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  }),
};
