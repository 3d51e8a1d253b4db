import type { ServiceName } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import type { Database } from '@tuneforge/database';
import type { ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';

export interface ServiceIdentity {
  name: ServiceName;
  version: string;
  instanceId: string;
  mode: 'embedded' | 'distributed';
}

/** What a service runs on: its own identity, and the bus and store it shares with its deployment. */
export interface ServiceRuntime {
  identity: ServiceIdentity;
  bus: MessageBus;
  store: ArtifactStore;
  /**
   * The metadata database it shares with its deployment (Postgres, or PGlite in embedded mode): jobs, files,
   * events, keys, the workflow's checkpoints. Absent for a service under test that keeps no metadata.
   */
  database?: Database;
  /** Run once the app has closed (its modules' hooks done): what the runtime's owner opened for this app alone. */
  afterClose?: () => Promise<void>;
  logger: Logger;
  /** The validated values of the service's own environment variables (its definition's envSchema). */
  config: Readonly<Record<string, unknown>>;
}
