import type { Logger } from '@tuneforge/telemetry';

/**
 * On SIGTERM or SIGINT: run the closers in order (stop taking work and let the work in hand finish
 * and commit, then disconnect, then flush traces) and exit 0. Past the deadline, exit 1 without
 * committing anything unfinished: the bus redelivers it to another instance.
 */
export function closeOnSignals(closers: Array<() => Promise<unknown>>, timeoutMs: number, logger: Logger): void {
  let closing = false;
  const close = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown deadline passed; exiting with work unfinished');
      process.exit(1);
    }, timeoutMs).unref();
    try {
      for (const closer of closers) await closer();
      logger.info('shut down cleanly');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}
