import type { INestApplication } from '@nestjs/common';
import { ALL_TOPICS } from '@tuneforge/contracts';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { openDatabase, type Database } from '@tuneforge/database';
import type { ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { createServiceApp } from './create-service-app';
import { loadServiceConfig } from './service-config';
import type { ServiceDefinition } from './service-definition';

export interface EmbeddedOptions {
  store: ArtifactStore;
  /**
   * The metadata database all the services share (PGlite in a directory, or a server); its opener closes it.
   * Without one, a deployment with a service that needs one opens PGlite in memory and closes it with itself.
   */
  database?: Database;
  logger: Logger;
  host: string;
  /** Port of the first service (the gateway); the others take the next ones. 0: any free ports. */
  basePort: number;
  env?: NodeJS.ProcessEnv;
  /**
   * The in-process bus to run the services on, when they must share one with services started by another call
   * (its topics ensured by its creator, who also closes it); by default a new one, closed with the deployment.
   */
  bus?: InProcessMessageBus;
}

export interface EmbeddedDeployment {
  bus: InProcessMessageBus;
  apps: ReadonlyMap<string, { app: INestApplication; url: string }>;
  /** The metadata database the services share (the one given, or the one opened for them); undefined when none needs one. */
  database: Database | undefined;
  close(): Promise<void>;
}

/**
 * Every service in this one process, over the in-process bus and a shared artifact store: the same
 * service code as distributed mode, with no broker or object store to run.
 */
export async function startEmbeddedDeployment(definitions: readonly ServiceDefinition[], options: EmbeddedOptions): Promise<EmbeddedDeployment> {
  const ownBus = options.bus === undefined;
  const bus = options.bus ?? new InProcessMessageBus({ logger: options.logger });
  if (ownBus) await bus.ensureTopics(ALL_TOPICS);
  const ownDatabase = !options.database && definitions.some((definition) => definition.needsDatabase);
  const database = options.database ?? (ownDatabase ? await openDatabase('pglite:memory') : undefined);
  const apps = new Map<string, { app: INestApplication; url: string }>();
  for (const [index, definition] of definitions.entries()) {
    const app = await createServiceApp(definition, {
      identity: { name: definition.name, version: definition.version, instanceId: `embedded-${process.pid}`, mode: 'embedded' },
      bus,
      store: options.store,
      database,
      logger: options.logger.child({ service: definition.name }),
      config: definition.envSchema ? loadServiceConfig(definition.envSchema, options.env ?? process.env) : {},
    });
    await app.listen(options.basePort === 0 ? 0 : options.basePort + index, options.host);
    apps.set(definition.name, { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') });
  }
  return {
    bus,
    apps,
    database,
    close: async () => {
      for (const { app } of apps.values()) await app.close();
      if (ownBus) await bus.close();
      if (ownDatabase) await database?.close();
    },
  };
}
