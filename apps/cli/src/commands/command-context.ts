import type { JobConfig } from '@tuneforge/contracts';
import type { ConnectionSettings } from '../connection-settings';
import type { ExitCode } from '../exit-codes';
import type { GatewayClient } from '../gateway-client';
import type { Io } from '../io';

/** What every command gets: where to write, a client for the gateway, and the job defaults. */
export interface CommandContext {
  io: Io;
  settings: ConnectionSettings;
  client: GatewayClient;
  defaults: () => JobConfig;
}

export type CommandResult = Promise<ExitCode>;
