import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BusTransportServer } from '@tuneforge/messaging';
import { NestPinoLogger } from './nest-pino-logger';
import type { ServiceDefinition } from './service-definition';
import { ServiceKitModule } from './service-kit.module';
import type { ServiceRuntime } from './service-runtime';

@Module({})
class ServiceRootModule {}

/**
 * Builds one service as a Nest application: HTTP for its endpoints and probes, the bus transport for
 * its event handlers. Both modes use it; only the runtime handed in differs.
 */
export async function createServiceApp(definition: ServiceDefinition, runtime: ServiceRuntime): Promise<INestApplication> {
  const root = {
    module: ServiceRootModule,
    imports: [ServiceKitModule.forRuntime(runtime), ...(definition.module ? [definition.module] : [])],
  };
  const app = await NestFactory.create(root, { logger: new NestPinoLogger(runtime.logger), abortOnError: false });
  app.connectMicroservice(
    { strategy: new BusTransportServer(runtime.bus, runtime.identity.name, runtime.identity.instanceId) },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  return app;
}
