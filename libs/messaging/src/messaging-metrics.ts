import { defineMeter } from '@tuneforge/telemetry';

/**
 * Messaging metrics every service exposes: OpenTelemetry instruments, exported over OTLP when the
 * process exports and rendered as Prometheus text on /metrics (libs/telemetry/src/metrics-registry.ts).
 * In embedded mode all services share one process, so the service is a label, not part of the name.
 * Prometheus names: tuneforge_messages_consumed_total, tuneforge_messages_published_total,
 * tuneforge_message_handler_seconds_{bucket,sum,count}, tuneforge_messages_dead_lettered_total.
 */
const meter = defineMeter('@tuneforge/messaging');

type Labels = Record<string, string>;

const consumed = meter.counter('tuneforge.messages.consumed', {
  description: 'Messages taken off the bus, by outcome (handled, duplicate, dead-lettered).',
  unit: '{message}',
});
const published = meter.counter('tuneforge.messages.published', { description: 'Messages accepted by the bus.', unit: '{message}' });
const handlerSeconds = meter.histogram('tuneforge.message.handler.seconds', {
  description: 'Time from taking a message to having recorded its outcome, retries included.',
  unit: 's',
  boundaries: [0.005, 0.02, 0.1, 0.5, 2, 10],
});

const deadLettered = meter.counter('tuneforge.messages.dead_lettered', {
  description: 'Messages put on a dead-letter topic, by topic, group and reason: alert on any increase (each is work that did not happen).',
  unit: '{message}',
});

export const messagesConsumed = { inc: (labels: Labels) => consumed.add(1, labels) };
export const messagesDeadLettered = { inc: (labels: Labels) => deadLettered.add(1, labels) };
export const messagesPublished = { inc: (labels: Labels) => published.add(1, labels) };
export const handlerDuration = {
  /** Starts timing; the returned function records the seconds elapsed since. */
  startTimer: (labels: Labels) => {
    const started = process.hrtime.bigint();
    return () => handlerSeconds.record(Number(process.hrtime.bigint() - started) / 1e9, labels);
  },
};
