export interface RetryPolicy {
  /** Total tries for a retriable error, the first included. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * Few, short retries: the consumer holds its partition while it waits, so a long wait would block
 * every message behind this one. What still fails goes to the dead-letter topic.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 2_000 };

/** Exponential backoff with full jitter, so that many consumers failing together do not retry together. */
export function backoffMs(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
