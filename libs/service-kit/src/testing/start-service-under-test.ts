import type { INestApplication } from '@nestjs/common';
import { createServiceApp } from '../create-service-app';
import type { ServiceDefinition } from '../service-definition';
import type { ServiceRuntime } from '../service-runtime';

/**
 * One service as a Nest app on a test's own bus and store. Its instance id names the test run, so its consumer
 * groups, logs and spans cannot be mistaken for another deployment's; its mode follows the bus it is given.
 */
export function startServiceUnderTest(definition: ServiceDefinition, runtime: Omit<ServiceRuntime, 'identity'> & { runId: string }): Promise<INestApplication> {
  const { runId, ...shared } = runtime;
  return createServiceApp(definition, {
    ...shared,
    identity: { name: definition.name, version: '0.0.0-test', instanceId: `${definition.name}-test-${runId}`, mode: shared.bus.transport === 'kafka' ? 'distributed' : 'embedded' },
  });
}
