import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { formatZodIssues, type TopicSpec } from '@tuneforge/contracts';
import { extractTraceContext, jobSpanAttributes, type Logger } from '@tuneforge/telemetry';
import type { DeadLetterRecord } from './dead-letter';
import { DEFAULT_MAX_HANDLER_STARTS, type DeliveryAttempts } from './delivery-attempts';
import { isOutage, isRetriable, type DeadLetterReason } from './errors';
import type { IdempotencyStore } from './idempotency';
import type { MessageHandler, SubscribeOptions } from './message-bus';
import { handlerDuration, messagesConsumed, messagesDeadLettered } from './messaging-metrics';
import { backoffMs, DEFAULT_OUTAGE_MAX_BACKOFF_MS, DEFAULT_OUTAGE_WINDOW_MS, type RetryPolicy } from './retry-policy';

/** A message as a transport hands it over, before anything is trusted about its content. */
export interface RawDelivery {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface DeliveryDependencies {
  idempotency: IdempotencyStore;
  /**
   * Durable handler-start counts (distributed mode): a message whose handler was started `maxHandlerStarts` times
   * without an outcome killed its worker each time, and is dead-lettered as poison instead of run again.
   */
  attempts?: DeliveryAttempts;
  maxHandlerStarts?: number;
  deadLetter(record: DeadLetterRecord): Promise<void>;
  retry: RetryPolicy;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since some origin (tests give a fake clock with `sleep`). */
  now?: () => number;
  /** Keeps the consumer's group session alive while an outage is waited out (kafkajs `heartbeat`). */
  heartbeat?: () => Promise<void>;
}

export type DeliveryOutcome = 'handled' | 'duplicate' | 'dead-lettered';

const tracer = trace.getTracer('@tuneforge/messaging');
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The one consumer pipeline both transports share: parse, validate, skip what is already done, run
 * the handler with bounded retries, dead-letter what cannot succeed, then record completion. It
 * resolves once the outcome is durably recorded — only then may the transport commit the offset.
 * It rejects only when recording itself fails (dead-letter topic or idempotency store unreachable):
 * the transport must then not commit, and the message comes back.
 */
export async function processDelivery<P>(
  raw: RawDelivery,
  topic: TopicSpec,
  subscription: SubscribeOptions,
  handler: MessageHandler<P>,
  deps: DeliveryDependencies,
): Promise<DeliveryOutcome> {
  const span = tracer.startSpan(
    `${raw.topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.destination.name': raw.topic,
        'messaging.consumer.group.name': subscription.group,
        'messaging.destination.partition.id': String(raw.partition),
        'messaging.kafka.offset': raw.offset,
        'tuneforge.service': subscription.service,
      },
    },
    extractTraceContext(raw.headers),
  );
  const stopTimer = handlerDuration.startTimer({ service: subscription.service, topic: raw.topic });
  try {
    const outcome = await context.with(trace.setSpan(context.active(), span), () =>
      runPipeline(raw, topic, subscription, handler, deps),
    );
    span.setAttribute('tuneforge.outcome', outcome);
    if (outcome === 'dead-lettered') span.setStatus({ code: SpanStatusCode.ERROR, message: 'dead-lettered' });
    messagesConsumed.inc({ service: subscription.service, topic: raw.topic, outcome });
    return outcome;
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    stopTimer();
    span.end();
  }
}

async function runPipeline<P>(
  raw: RawDelivery,
  topic: TopicSpec,
  subscription: SubscribeOptions,
  handler: MessageHandler<P>,
  deps: DeliveryDependencies,
): Promise<DeliveryOutcome> {
  const deadLetter = async (reason: DeadLetterReason, error: string, attempts: number) => {
    deps.logger.warn({ topic: raw.topic, offset: raw.offset, reason, error, attempts }, 'message dead-lettered');
    messagesDeadLettered.inc({ topic: raw.topic, group: subscription.group, reason });
    await deps.deadLetter({
      originalTopic: raw.topic,
      originalPartition: raw.partition,
      originalOffset: raw.offset,
      originalKey: raw.key,
      originalValue: raw.value ?? '',
      originalHeaders: raw.headers,
      group: subscription.group,
      service: subscription.service,
      reason,
      error,
      attempts,
      failedAt: new Date().toISOString(),
    });
    return 'dead-lettered' as const;
  };

  let decoded: unknown;
  try {
    decoded = JSON.parse(raw.value ?? '');
  } catch (error) {
    return deadLetter('malformed-json', `value is not JSON: ${(error as Error).message}`, 0);
  }
  const parsed = topic.envelope.safeParse(decoded);
  if (!parsed.success) {
    return deadLetter('schema-validation', `does not match ${topic.name}:\n${formatZodIssues(parsed.error.issues)}`, 0);
  }
  const message = parsed.data as Parameters<MessageHandler<P>>[0];
  trace.getActiveSpan()?.setAttributes({
    'messaging.message.id': message.messageId,
    'tuneforge.correlation_id': message.correlationId,
    ...jobSpanAttributes(message.payload),
  });

  // The ledger's reads and writes go two at a time (on a server pool, two connections): a message costs two round
  // trips of bookkeeping, not four. A start counted for a message found completed is cleared at once.
  const { group } = subscription;
  const [completed, counted] = await Promise.all([deps.idempotency.isCompleted(group, message.messageId), deps.attempts?.start(group, message.messageId)]);
  if (completed) {
    if (counted !== undefined) await deps.attempts!.clear(group, message.messageId);
    deps.logger.debug({ messageId: message.messageId }, 'already completed; skipped');
    return 'duplicate';
  }

  const maxStarts = deps.maxHandlerStarts ?? DEFAULT_MAX_HANDLER_STARTS;
  const starts = counted ?? 1;
  const outcome =
    starts > maxStarts
      ? await deadLetter('poison', `its handler was started ${starts - 1} times and never finished: the worker died each time (out of memory, killed, a native crash)`, starts - 1)
      : await runHandlerWithRetries(message, raw, handler, deps, deadLetter);
  // A dead-lettered message is finished too: a redelivery must not dead-letter it a second time. Should the mark fail
  // after the clear succeeded, the message comes back and runs again, as it would have without the count.
  await Promise.all([deps.idempotency.markCompleted(group, message.messageId), deps.attempts?.clear(group, message.messageId)]);
  return outcome;
}

async function runHandlerWithRetries<P>(
  message: Parameters<MessageHandler<P>>[0],
  raw: RawDelivery,
  handler: MessageHandler<P>,
  deps: DeliveryDependencies,
  deadLetter: (reason: DeadLetterReason, error: string, attempts: number) => Promise<'dead-lettered'>,
): Promise<DeliveryOutcome> {
  const sleep = deps.sleep ?? defaultSleep;
  const now = deps.now ?? Date.now;
  let firstOutageAt: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      await handler(message, { ...raw, attempt });
      return 'handled';
    } catch (error) {
      const description = errorDescription(error);
      if (!isRetriable(error) && !isOutage(error)) return deadLetter('handler-failed', description, attempt);
      let wait: number;
      if (isOutage(error)) {
        firstOutageAt ??= now();
        const window = deps.retry.outageWindowMs ?? DEFAULT_OUTAGE_WINDOW_MS;
        if (now() - firstOutageAt >= window) return deadLetter('retries-exhausted', `${description} (a dependency stayed unreachable for ${window / 1000} s)`, attempt);
        wait = backoffMs(deps.retry, attempt, Math.random, deps.retry.outageMaxBackoffMs ?? DEFAULT_OUTAGE_MAX_BACKOFF_MS);
        deps.logger.warn({ messageId: message.messageId, attempt, wait, error: description }, 'a dependency is unreachable; waiting the outage out');
      } else {
        if (attempt >= deps.retry.maxAttempts) return deadLetter('retries-exhausted', description, attempt);
        wait = backoffMs(deps.retry, attempt);
        deps.logger.info({ messageId: message.messageId, attempt, wait, error: description }, 'retriable failure; retrying');
      }
      await sleepWithHeartbeats(sleep, wait, deps.heartbeat);
    }
  }
}

/** Sleeps `ms`, beating every 3 s so that a consumer waiting out an outage keeps its partitions. */
async function sleepWithHeartbeats(sleep: (ms: number) => Promise<void>, ms: number, heartbeat?: () => Promise<void>): Promise<void> {
  for (let left = ms; left > 0; left -= 3000) {
    await sleep(Math.min(3000, left));
    await heartbeat?.().catch(() => undefined);
  }
}

function errorDescription(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
