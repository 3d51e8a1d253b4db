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

/**
 * Node's codes for a peer that cannot be reached or went away, and Postgres's SQLSTATEs for a server that went away
 * or is not serving yet: connection exceptions (08xxx) and operator intervention (57P01 admin shutdown, 57P02 crash
 * shutdown, 57P03 cannot connect now: starting up or recovering).
 */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03']);
/** node-postgres reports a connection lost mid-query with these messages and no code. */
const PG_CONNECTION_LOST = /^Connection terminated( unexpectedly| due to connection timeout)?$|^Client has encountered a connection error and is not queryable$|^timeout exceeded when trying to connect$/;

/**
 * A dependency away (storage unavailable, the broker or a peer unreachable), as opposed to a retriable error of
 * this message (a conflict): worth waiting out for minutes. Marked by the error (`outage: true`, as storage's
 * StorageUnavailableError is) or by a network error code, on the error or its causes.
 */
export function isOutage(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as { outage?: unknown; code?: unknown; name?: unknown; cause?: unknown };
  if (e.outage === true || (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code))) return true;
  if (error instanceof Error && e.code === undefined && PG_CONNECTION_LOST.test(error.message)) return true;
  if (e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSBrokerNotFound' || e.name === 'KafkaJSNonRetriableError') return e.name !== 'KafkaJSNonRetriableError' || isOutage(e.cause, depth + 1);
  return isOutage(e.cause, depth + 1);
}

/** Why a message ended in a dead-letter topic; part of the dead-letter record and of the metrics. */
/** `poison`: its handler was started several times and never finished (each time the worker died with it). */
export type DeadLetterReason = 'malformed-json' | 'schema-validation' | 'handler-failed' | 'retries-exhausted' | 'poison';
