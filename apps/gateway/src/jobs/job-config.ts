import { configFromRequest, JobRequestError, type JobConfig, type JobSpec } from '@tuneforge/contracts';
import { InvalidRequestError } from '../errors/gateway-errors';

/**
 * The configuration a job runs with: the defaults (`configs/default_config.json`) overlaid with the request,
 * by the one mapping in `@tuneforge/contracts` (`job-request-mapping.ts`, with its table). A result the config
 * schema refuses is a 400 naming the request field.
 */
export function resolveJobConfig(defaults: JobConfig, spec: JobSpec): JobConfig {
  try {
    return configFromRequest(defaults, spec);
  } catch (error) {
    if (error instanceof JobRequestError) throw new InvalidRequestError(error.message, error.param);
    throw error;
  }
}
