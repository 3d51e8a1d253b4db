import { SpanKind, context, trace } from '@opentelemetry/api';
import { formatZodIssues, type Envelope, type TopicSpec } from '@tuneforge/contracts';
import { injectTraceContext, jobSpanAttributes } from '@tuneforge/telemetry';
import type { PublishOptions } from './message-bus';

export class MessageValidationError extends Error {
  override readonly name = 'MessageValidationError';
}

export interface EncodedMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

const tracer = trace.getTracer('@tuneforge/messaging');

/**
 * Validates a message against its topic's schema (producers validate too: a bad message is a bug at
 * its source, better caught there) and encodes it with trace context, inside a producer span that the
 * transport's send runs under.
 */
export async function publishWithSpan(
  topic: TopicSpec,
  message: Envelope,
  options: PublishOptions,
  send: (encoded: EncodedMessage) => Promise<void>,
): Promise<void> {
  const parsed = topic.envelope.safeParse(message);
  if (!parsed.success) {
    throw new MessageValidationError(`message for ${topic.name} does not match its schema:\n${formatZodIssues(parsed.error.issues)}`);
  }
  const span = tracer.startSpan(`${topic.name} publish`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.destination.name': topic.name,
      'messaging.message.id': message.messageId,
      'tuneforge.correlation_id': message.correlationId,
      ...jobSpanAttributes(message.payload),
    },
  });
  const spanContext = trace.setSpan(context.active(), span);
  const headers = injectTraceContext({ 'tf-message-id': message.messageId }, spanContext);
  try {
    await context.with(spanContext, () =>
      send({ key: options.key ?? message.correlationId, value: JSON.stringify(parsed.data), headers }),
    );
  } catch (error) {
    span.recordException(error as Error);
    throw error;
  } finally {
    span.end();
  }
}
