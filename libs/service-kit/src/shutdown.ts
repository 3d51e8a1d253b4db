import type { Logger } from '@tuneforge/telemetry';

/**
 * On SIGTERM or SIGINT: run the closers in order (stop taking work and let the work in hand finish
 * and commit, then disconnect, then flush traces) and exit 0. Past the deadline, exit 1 without
 * committing anything unfinished: the bus redelivers it to another instance.
 *
 * A promise rejected with no handler, or an exception nothing caught, means the process is in a state no code
 * planned for: it is logged with its stack and the process shuts down the same way, then exits 1 (its
 * orchestrator restarts it), rather than dying mid-write or running on half-broken.
 */
export function closeOnSignals(closers: Array<() => Promise<unknown>>, timeoutMs: number, logger: Logger): void {
  let closing = false;
  const close = async (signal: NodeJS.Signals | 'unhandled error', exitCode = 0) => {
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
      process.exit(exitCode);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  // Node passes a signal listener the signal's number too: it must not become the exit code.
  process.once('SIGTERM', () => void close('SIGTERM'));
  process.once('SIGINT', () => void close('SIGINT'));
  const crash = (kind: string) => (error: unknown) => {
    logger.error({ err: error }, `${kind}: shutting down`);
    void close('unhandled error', 1);
  };
  process.on('unhandledRejection', crash('a promise was rejected with no handler'));
  process.on('uncaughtException', crash('an exception was not caught'));
}
