import { ALL_TOPICS } from '@tuneforge/contracts';
import { DatabaseConfigError, openDatabase, redact } from '@tuneforge/database';
import { DatabaseDeadLetterLog, DatabaseDeliveryAttempts, DatabaseIdempotencyStore, KafkaMessageBus, StoreIdempotencyStore } from '@tuneforge/messaging';
import { createArtifactStoreFromEnv, StorageConfigError } from '@tuneforge/storage';
import { createLogger, startTelemetry, type Logger } from '@tuneforge/telemetry';
import { createServiceApp } from './create-service-app';
import { baseServiceEnvSchema, ConfigError, loadServiceConfig, requireKafkaBrokers } from './service-config';
import type { ServiceDefinition } from './service-definition';
import { closeOnSignals } from './shutdown';

/**
 * Entry point of a service in distributed mode: its own process, Kafka for messages, MinIO (or any
 * store the environment names) for artifacts. A configuration error ends the process at once with
 * exit code 78 (EX_CONFIG) and the list of wrong variables.
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  const logger = createLogger(definition.name);
  try {
    await start(definition, logger);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StorageConfigError || error instanceof DatabaseConfigError) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
      process.exit(78);
    }
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }
}

async function start(definition: ServiceDefinition, logger: Logger): Promise<void> {
  const config = loadServiceConfig(baseServiceEnvSchema, process.env);
  const ownConfig = definition.envSchema ? loadServiceConfig(definition.envSchema, process.env) : {};
  const brokers = requireKafkaBrokers(config);
  const store = createArtifactStoreFromEnv(process.env);
  // Metadata (and the consumers' idempotency keys) in the database TF_DATABASE_URL names; without one, a service
  // that keeps no metadata still runs (its idempotency markers then in the artifact store).
  const database = config.TF_DATABASE_URL
    ? await openDatabase(config.TF_DATABASE_URL, { onError: (error) => logger.warn({ err: error, database: redact(config.TF_DATABASE_URL!) }, 'database connection error') })
    : undefined;
  if (definition.needsDatabase && !database) throw new ConfigError('invalid configuration:\n  TF_DATABASE_URL: required by this service, e.g. postgres://tuneforge:...@127.0.0.1:5432/tuneforge (not set)');
  const bus = new KafkaMessageBus({
    brokers,
    clientId: `${definition.name}-${config.TF_INSTANCE_ID}`,
    logger,
    idempotency: database ? new DatabaseIdempotencyStore(database) : new StoreIdempotencyStore(store),
    // A message that kills its worker is dead-lettered after a few starts, not crash-looped on every replica.
    attempts: database ? new DatabaseDeliveryAttempts(database) : undefined,
    // Dead letters listed and replayed by operators (tuneforge admin dlq).
    deadLetterLog: database ? new DatabaseDeadLetterLog(database) : undefined,
    replicationFactor: config.TF_KAFKA_REPLICATION_FACTOR,
  });
  await bus.ensureTopics(ALL_TOPICS);
  const app = await createServiceApp(definition, {
    identity: { name: definition.name, version: definition.version, instanceId: config.TF_INSTANCE_ID, mode: 'distributed' },
    bus,
    store,
    database,
    logger,
    config: ownConfig,
  });
  await app.listen(config.TF_HTTP_PORT, config.TF_HTTP_HOST);
  logger.info({ url: await app.getUrl(), instanceId: config.TF_INSTANCE_ID }, 'service started');
  const telemetry = startTelemetry({ serviceName: `tuneforge-${definition.name}`, serviceVersion: definition.version, instanceId: config.TF_INSTANCE_ID });
  closeOnSignals([() => app.close(), () => bus.close(), async () => database?.close(), () => telemetry.shutdown()], config.TF_SHUTDOWN_TIMEOUT_MS, logger);
}
