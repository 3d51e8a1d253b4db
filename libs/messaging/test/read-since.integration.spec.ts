import { createMessage } from '@tuneforge/contracts';
import { Kafka } from 'kafkajs';
import { InMemoryIdempotencyStore, KafkaMessageBus, type DeliveryInfo } from '../src';
import { KAFKA_BROKERS, quietLogger, uniqueWorkTopic } from './kafka-test-env';

const raw = new Kafka({ clientId: 'read-since-test-raw', brokers: KAFKA_BROKERS, logLevel: 0 });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KafkaMessageBus.readSince against a real broker', () => {
  let bus: KafkaMessageBus;

  beforeEach(() => {
    bus = new KafkaMessageBus({ brokers: KAFKA_BROKERS, clientId: 'read-since-test', logger: quietLogger, idempotency: new InMemoryIdempotencyStore() });
  });
  afterEach(() => bus.close());

  it('reads from the given time on: not earlier messages, not invalid ones, each message id once', async () => {
    const topic = uniqueWorkTopic('read-since', 3);
    await bus.ensureTopics([topic]);
    const message = (n: number) => createMessage(topic, { n }, { correlationId: `job-${n}`, tenant: 'acme' });
    for (const n of [1, 2]) await bus.publish(topic, message(n));
    await pause(100);
    const since = new Date();
    await pause(100);
    const repeated = message(3);
    await bus.publish(topic, repeated);
    await bus.publish(topic, repeated);
    const producer = raw.producer();
    await producer.connect();
    await producer.send({ topic: topic.name, messages: [{ key: 'job-x', value: 'not json' }, { key: 'job-y', value: JSON.stringify({ ...message(4), payload: { n: 'four' } }) }] });
    await producer.disconnect();

    const seen: Array<{ n: number; delivery: DeliveryInfo }> = [];
    let done!: () => void;
    const both = new Promise<void>((resolve) => (done = resolve));
    const reading = await bus.readSince(topic, { group: `read-since-${Date.now()}`, since }, (m, delivery) => {
      seen.push({ n: m.payload.n, delivery });
      if (seen.some((s) => s.n === 5)) done();
    });
    await bus.publish(topic, message(5));
    await both;
    await pause(500);
    await reading.close();

    expect(seen.map((s) => s.n).sort()).toEqual([3, 5]);
    expect(seen[0].delivery).toMatchObject({ topic: topic.name, attempt: 1 });
    expect(typeof seen[0].delivery.offset).toBe('string');
  });

  it('refuses a group already reading or subscribed in this process', async () => {
    const topic = uniqueWorkTopic('read-since-group', 1);
    await bus.ensureTopics([topic]);
    const group = `read-since-group-${Date.now()}`;
    await bus.readSince(topic, { group, since: new Date() }, () => undefined);
    await expect(bus.readSince(topic, { group, since: new Date() }, () => undefined)).rejects.toThrow(/already subscribed/);
    await expect(bus.subscribe(topic, { group, service: 'test' }, async () => undefined)).rejects.toThrow(/already subscribed/);
  });
});
