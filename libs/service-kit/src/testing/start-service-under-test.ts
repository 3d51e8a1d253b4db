import type { INestApplication } from '@nestjs/common';
import { dropTestDatabase, openTestDatabase } from '@tuneforge/database/src/testing';
import { createServiceApp } from '../create-service-app';
import { localInfraEnv } from '../local-infra-env';
import type { ServiceDefinition } from '../service-definition';
import type { ServiceRuntime } from '../service-runtime';

/**
 * One service as a Nest app on a test's own bus and store. Its instance id names the test run, so its consumer
 * groups, logs and spans cannot be mistaken for another deployment's; its mode follows the bus it is given.
 * A service that keeps metadata and is given no database gets one of its own, dropped when the app closes: a
 * fresh schema on the local Postgres server with the Kafka bus (distributed mode), else PGlite in memory.
 */
export async function startServiceUnderTest(definition: ServiceDefinition, runtime: Omit<ServiceRuntime, 'identity'> & { runId: string }): Promise<INestApplication> {
  const { runId, ...shared } = runtime;
  const distributed = shared.bus.transport === 'kafka';
  const ownDatabase = !shared.database && definition.needsDatabase;
  const database = ownDatabase ? await openTestDatabase(distributed ? localInfraEnv().TF_DATABASE_URL : undefined) : shared.database;
  // Dropped by the app's own shutdown: Nest hands out its app behind a proxy, whose methods cannot be replaced.
  return createServiceApp(definition, {
    ...shared,
    database,
    ...(ownDatabase && database ? { afterClose: () => dropTestDatabase(database) } : {}),
    identity: { name: definition.name, version: '0.0.0-test', instanceId: `${definition.name}-test-${runId}`, mode: distributed ? 'distributed' : 'embedded' },
  });
}
