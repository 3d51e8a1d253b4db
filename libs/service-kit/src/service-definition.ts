import type { Type } from '@nestjs/common';
import type { ServiceName } from '@tuneforge/contracts';
import type { z } from 'zod';

/**
 * A service as the kit runs it: its name and version, the NestJS module with its own controllers and
 * handlers (none until the service has work of its own: the kit's health and ping handlers are common
 * to all), and the extra environment variables it reads.
 */
export interface ServiceDefinition {
  name: ServiceName;
  version: string;
  module?: Type<unknown>;
  envSchema?: z.ZodObject;
  /** It keeps metadata (jobs, files, checkpoints): it does not start without a database. */
  needsDatabase?: boolean;
}
