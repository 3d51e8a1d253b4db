/**
 * A failure worth trying again: a dependency briefly away, a timeout, a conflict. Anything else a
 * handler throws is taken as permanent and the message goes to the dead-letter topic at once.
 */
export class RetriableError extends Error {
  override readonly name = 'RetriableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isRetriable(error: unknown): boolean {
  if (error instanceof RetriableError) return true;
  // Duck-typed too, so that libraries (kafkajs, storage drivers) can mark their own errors.
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** Why a message ended in a dead-letter topic; part of the dead-letter record and of the metrics. */
export type DeadLetterReason = 'malformed-json' | 'schema-validation' | 'handler-failed' | 'retries-exhausted';
