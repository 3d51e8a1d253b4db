import { Counter, Histogram, register } from 'prom-client';

/**
 * Counters every service exposes on /metrics. Registered once per process: in embedded mode all
 * services share the registry, so the service is a label, not part of the name.
 */
function getOrCreate<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

export const messagesConsumed = getOrCreate(
  'tuneforge_messages_consumed_total',
  () =>
    new Counter({
      name: 'tuneforge_messages_consumed_total',
      help: 'Messages taken off the bus, by outcome (handled, duplicate, dead-lettered).',
      labelNames: ['service', 'topic', 'outcome'],
    }),
);

export const messagesPublished = getOrCreate(
  'tuneforge_messages_published_total',
  () =>
    new Counter({
      name: 'tuneforge_messages_published_total',
      help: 'Messages accepted by the bus.',
      labelNames: ['topic'],
    }),
);

export const handlerDuration = getOrCreate(
  'tuneforge_message_handler_seconds',
  () =>
    new Histogram({
      name: 'tuneforge_message_handler_seconds',
      help: 'Time from taking a message to having recorded its outcome, retries included.',
      labelNames: ['service', 'topic'],
      buckets: [0.005, 0.02, 0.1, 0.5, 2, 10],
    }),
);
