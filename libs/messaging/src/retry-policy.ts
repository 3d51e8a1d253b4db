export interface RetryPolicy {
  /** Total tries for a retriable error, the first included. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /**
   * How long an outage (a dependency unreachable: storage, the bus, a connection refused) is waited out, counted
   * from the first failure, before the message is dead-lettered. An outage fails every message alike, so holding
   * the partition costs nothing; dead-lettering after a second would strand the job for good. Default 10 min.
   */
  outageWindowMs?: number;
  /** The longest wait between two tries during an outage. Default 30 s. */
  outageMaxBackoffMs?: number;
}

export const DEFAULT_OUTAGE_WINDOW_MS = 10 * 60_000;
export const DEFAULT_OUTAGE_MAX_BACKOFF_MS = 30_000;

/**
 * Few, short retries for a retriable error (a conflict, a timeout): the consumer holds its partition while it
 * waits, so a long wait would block every message behind this one. An outage is waited out for minutes instead.
 * What still fails goes to the dead-letter topic.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 2_000 };

/** Exponential backoff with full jitter, so that many consumers failing together do not retry together. */
export function backoffMs(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random, maxBackoffMs = policy.maxBackoffMs): number {
  const ceiling = Math.min(maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(30, failedAttempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
