import { configFromRequest, DEFAULT_JOB_LIMITS, exceededJobLimit, JobRequestError, REQUEST_FIELD_OF_CONFIG, type JobConfig, type JobLimits, type JobSpec } from '@tuneforge/contracts';
import { InvalidRequestError } from '../errors/gateway-errors';

/**
 * The configuration a job runs with: the defaults (`configs/default_config.json`) overlaid with the request,
 * by the one mapping in `@tuneforge/contracts` (`job-request-mapping.ts`, with its table). A result the config
 * schema refuses, or one beyond the deployment's limits (TF_JOB_LIMITS), is a 400 naming the request field.
 */
export function resolveJobConfig(defaults: JobConfig, spec: JobSpec, limits: JobLimits = DEFAULT_JOB_LIMITS): JobConfig {
  let config: JobConfig;
  try {
    config = configFromRequest(defaults, spec);
  } catch (error) {
    if (error instanceof JobRequestError) throw new InvalidRequestError(error.message, error.param);
    throw error;
  }
  const exceeded = exceededJobLimit(config, limits);
  if (exceeded) {
    const param = REQUEST_FIELD_OF_CONFIG[exceeded.path] ?? `tuneforge.config.${exceeded.path}`;
    throw new InvalidRequestError(`Invalid job configuration from '${param}': ${exceeded.message}`, param);
  }
  return config;
}
