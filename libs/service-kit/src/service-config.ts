import { serviceInstanceId } from '@tuneforge/telemetry';
import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const port = z.coerce.number({ error: 'expected a port number 0-65535' }).int().min(0).max(65535);
const brokerList = z
  .string()
  .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port')).min(1, 'expected at least one host:port'));

/**
 * Variables every service reads. Names are the environment variable names, so a validation error
 * points straight at the variable to fix.
 */
export const baseServiceEnvSchema = z.object({
  TF_MODE: z.enum(['distributed', 'embedded']).default('distributed'),
  TF_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  TF_HTTP_PORT: port,
  TF_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, ".", "_" and "-" only')
    .default(() => serviceInstanceId({})),
  TF_KAFKA_BROKERS: brokerList.optional(),
  TF_KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(5).default(1),
  /** The metadata database: postgres://user:password@host:port/db, or pglite:<directory> (PGlite in process). */
  TF_DATABASE_URL: z.string().min(1).optional(),
  /** After SIGTERM, how long in-flight work may take before the process gives up and exits. */
  TF_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(25_000),
});

export type BaseServiceConfig = z.infer<typeof baseServiceEnvSchema>;

/**
 * Validates the environment at boot and fails fast: the error lists every wrong variable, by name,
 * with what was expected, and the process never starts half-configured.
 */
export function loadServiceConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const variable = issue.path.length > 0 ? String(issue.path[0]) : '(environment)';
      const given = typeof env[variable] !== 'string' ? ' (not set)' : isSecret(variable) ? ' (value hidden)' : ` (got "${env[variable]}")`;
      return `  ${variable}: ${issue.message}${given}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Variables whose values must never reach a log, even when they are wrong. */
function isSecret(variable: string): boolean {
  return /KEY|SECRET|PASSWORD|TOKEN/.test(variable);
}

/** Distributed mode cannot run without a broker; embedded mode never uses one. */
export function requireKafkaBrokers(config: BaseServiceConfig): string[] {
  if (!config.TF_KAFKA_BROKERS) {
    throw new ConfigError('invalid configuration:\n  TF_KAFKA_BROKERS: required in distributed mode, e.g. 127.0.0.1:9092 (not set)');
  }
  return config.TF_KAFKA_BROKERS;
}
