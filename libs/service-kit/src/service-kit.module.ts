import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { HealthController } from './health.controller';
import { PingHandler } from './ping.handler';
import type { ServiceRuntime } from './service-runtime';
import { ARTIFACT_STORE, DATABASE, LOGGER, MESSAGE_BUS, SERVICE_CONFIG, SERVICE_IDENTITY } from './tokens';

const AFTER_CLOSE = Symbol('AFTER_CLOSE');

/** Runs the runtime's `afterClose` when the app closes (Nest's last lifecycle hook, after every module's own). */
@Injectable()
class RuntimeCleanup implements OnApplicationShutdown {
  constructor(@Inject(AFTER_CLOSE) private readonly afterClose: (() => Promise<void>) | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.afterClose?.();
  }
}

/** Gives every service its runtime (bus, store, identity, logger) and the endpoints all services share. */
@Module({})
export class ServiceKitModule {
  static forRuntime(runtime: ServiceRuntime): DynamicModule {
    const providers = [
      { provide: MESSAGE_BUS, useValue: runtime.bus },
      { provide: ARTIFACT_STORE, useValue: runtime.store },
      { provide: DATABASE, useValue: runtime.database ?? null },
      { provide: SERVICE_IDENTITY, useValue: runtime.identity },
      { provide: LOGGER, useValue: runtime.logger },
      { provide: SERVICE_CONFIG, useValue: runtime.config },
    ];
    return {
      module: ServiceKitModule,
      global: true,
      providers: [...providers, { provide: AFTER_CLOSE, useValue: runtime.afterClose ?? null }, RuntimeCleanup],
      exports: providers.map((provider) => provider.provide),
      controllers: [HealthController, PingHandler],
    };
  }
}
