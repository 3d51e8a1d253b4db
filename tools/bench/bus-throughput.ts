/**
 * Events/s through the Kafka transport (schema validation on both sides, idempotent producer, manual
 * commits, idempotency ledger) next to plain kafkajs on the same broker and message sizes, as a ratio.
 * Not a test: run it against `infra/up.sh`'s broker.
 *   node -r @swc-node/register tools/bench/bus-throughput.ts [events=5000]
 */
import { createMessage, defineTopic } from '@tuneforge/contracts';
import { InMemoryIdempotencyStore, KafkaMessageBus } from '@tuneforge/messaging';
import { createLogger } from '@tuneforge/telemetry';
import { Kafka, logLevel } from 'kafkajs';
import { Writable } from 'node:stream';
import { z } from 'zod';

const EVENTS = Number(process.argv[2] ?? 5000);
const BROKERS = (process.env.TF_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const IN_FLIGHT = 50;
const ROUNDS = 3;
const quiet = createLogger('bench', { destination: new Writable({ write: (_c, _e, done) => done() }) });
const payloadSchema = z.object({ step: z.number().int(), loss: z.number(), note: z.string() }).strict();

function freshTopic(label: string) {
  return defineTopic(`bench.${label}-${Date.now().toString(36)}.reported.v1`, payloadSchema, { partitions: 3 });
}

/** Sends with up to IN_FLIGHT awaited sends at a time, then waits until the consumer saw them all. */
async function timeRun(publish: (i: number) => Promise<void>, consumed: Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < EVENTS) await publish(next++);
    }),
  );
  await consumed;
  return EVENTS / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function tuneforgeTransport(): Promise<number> {
  const topic = freshTopic('tuneforge');
  const bus = new KafkaMessageBus({ brokers: BROKERS, clientId: 'bench', logger: quiet, idempotency: new InMemoryIdempotencyStore() });
  await bus.ensureTopics([topic]);
  let seen = 0;
  let done!: () => void;
  const consumed = new Promise<void>((resolve) => (done = resolve));
  await bus.subscribe(topic, { group: 'bench', service: 'bench' }, async () => {
    if (++seen === EVENTS) done();
  });
  const rate = await timeRun(
    (i) => bus.publish(topic, createMessage(topic, { step: i, loss: 1 / (i + 1), note: 'x'.repeat(64) }, { correlationId: `job-${i % 32}`, tenant: 'bench' })),
    consumed,
  );
  await bus.close();
  return rate;
}

async function plainKafkajs(): Promise<number> {
  const topic = freshTopic('plain');
  const kafka = new Kafka({ clientId: 'bench-plain', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: topic.name, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: 'bench-plain' });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [topic.name], fromBeginning: true });
  let seen = 0;
  let done!: () => void;
  const consumed = new Promise<void>((resolve) => (done = resolve));
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({ eachMessage: async () => void (++seen === EVENTS && done()) });
  await joined;
  const rate = await timeRun(async (i) => {
    const message = createMessage(topic, { step: i, loss: 1 / (i + 1), note: 'x'.repeat(64) }, { correlationId: `job-${i % 32}`, tenant: 'bench' });
    await producer.send({ topic: topic.name, acks: -1, messages: [{ key: message.correlationId, value: JSON.stringify(message) }] });
  }, consumed);
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return rate;
}

async function main() {
  // Alternating rounds, best of each: the first round also warms up the JIT and the broker.
  let plain = 0;
  let ours = 0;
  for (let round = 0; round < ROUNDS; round++) {
    plain = Math.max(plain, await plainKafkajs());
    ours = Math.max(ours, await tuneforgeTransport());
  }
  console.log(`events: ${EVENTS} x ${ROUNDS} rounds (best of each), brokers: ${BROKERS.join(',')}`);
  console.log(`plain kafkajs (auto-commit, no validation): ${plain.toFixed(0)} events/s`);
  console.log(`tuneforge Kafka transport (validated, per-message commit): ${ours.toFixed(0)} events/s`);
  console.log(`ratio tuneforge/plain: ${(ours / plain).toFixed(2)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
