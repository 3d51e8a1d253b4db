import { createMessage, deadLetterTopicName, type TopicSpec } from '@tuneforge/contracts';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka } from 'kafkajs';
import { deadLetterRecordSchema, InMemoryIdempotencyStore, KafkaMessageBus, RetriableError, StoreIdempotencyStore } from '../src';
import { dropTestDatabase, openTestDatabase } from '@tuneforge/database/src/testing';
import { KAFKA_BROKERS, quietLogger, S3_ENV, uniqueWorkTopic } from './kafka-test-env';

const fastRetry = { maxAttempts: 4, initialBackoffMs: 20, maxBackoffMs: 100 };
const raw = new Kafka({ clientId: 'fault-test-raw', brokers: KAFKA_BROKERS, logLevel: 0 });

function message(topic: TopicSpec, n: number) {
  return createMessage(topic, { n }, { correlationId: 'job-1', tenant: 'acme' });
}

/** Reads every record of a dead-letter topic until `count` arrived. */
async function readDeadLetters(topic: string, count: number) {
  const consumer = raw.consumer({ groupId: `dlq-reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [deadLetterTopicName(topic)], fromBeginning: true });
  const records: ReturnType<typeof deadLetterRecordSchema.parse>[] = [];
  await new Promise<void>((resolvePromise) => {
    void consumer.run({
      eachMessage: async ({ message: m }) => {
        records.push(deadLetterRecordSchema.parse(JSON.parse(m.value!.toString())));
        if (records.length >= count) resolvePromise();
      },
    });
  });
  await consumer.disconnect();
  return records;
}

describe('Kafka transport against a real broker', () => {
  let bus: KafkaMessageBus;

  beforeEach(() => {
    bus = new KafkaMessageBus({ brokers: KAFKA_BROKERS, clientId: 'fault-test', logger: quietLogger, idempotency: new InMemoryIdempotencyStore(), retry: fastRetry });
  });
  afterEach(() => bus.close());

  it('creates declared topics with their partitions, retention and dead-letter topic', async () => {
    const topic = uniqueWorkTopic('declared', 3);
    await bus.ensureTopics([topic]);
    const admin = raw.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [topic.name, deadLetterTopicName(topic.name)] });
    expect(metadata.topics.find((t) => t.name === topic.name)?.partitions).toHaveLength(3);
    expect(metadata.topics.find((t) => t.name === deadLetterTopicName(topic.name))).toBeDefined();
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic.name, configNames: ['retention.ms'] }] });
    expect(configs.resources[0].configEntries[0].configValue).toBe(String(topic.retentionMs));
    await admin.disconnect();
  });

  it('routes each topic of a multi-topic group to its own handler', async () => {
    const first = uniqueWorkTopic('first', 3);
    const second = uniqueWorkTopic('second', 3);
    await bus.ensureTopics([first, second]);
    const seen: string[] = [];
    let done!: () => void;
    const all = new Promise<void>((resolveAll) => (done = resolveAll));
    const record = (label: string) => async (m: { payload: { n: number } }) => {
      seen.push(`${label}:${m.payload.n}`);
      if (seen.length === 6) done();
    };
    await bus.subscribeAll({ group: 'multi-group', service: 'test' }, [
      { topic: first, handler: record('first') },
      { topic: second, handler: record('second') },
    ]);
    await expect(bus.subscribe(first, { group: 'multi-group', service: 'test' }, async () => undefined)).rejects.toThrow(/already subscribed/);
    for (const n of [1, 2, 3]) {
      await bus.publish(first, createMessage(first, { n }, { correlationId: `job-${n}`, tenant: 'acme' }));
      await bus.publish(second, createMessage(second, { n: n * 10 }, { correlationId: `job-${n}`, tenant: 'acme' }));
    }
    await all;
    expect(seen.filter((s) => s.startsWith('first')).sort()).toEqual(['first:1', 'first:2', 'first:3']);
    expect(seen.filter((s) => s.startsWith('second')).sort()).toEqual(['second:10', 'second:20', 'second:30']);
  });

  it('retries a retriable error, then handles the message exactly once', async () => {
    const topic = uniqueWorkTopic('retry');
    await bus.ensureTopics([topic]);
    let calls = 0;
    const handled: number[] = [];
    const done = new Promise<void>((resolveDone) =>
      void bus.subscribe<{ n: number }>(topic, { group: 'retry-group', service: 'test' }, async (m) => {
        calls += 1;
        if (calls <= 2) throw new RetriableError('dependency briefly away');
        handled.push(m.payload.n);
        resolveDone();
      }),
    );
    await bus.publish(topic, message(topic, 42));
    await done;
    expect(calls).toBe(3);
    expect(handled).toEqual([42]);
  });

  it('dead-letters a malformed message with its reason and still handles the next one on the partition', async () => {
    const topic = uniqueWorkTopic('poison');
    await bus.ensureTopics([topic]);
    const handled: number[] = [];
    const next = new Promise<void>((resolveNext) =>
      void bus.subscribe<{ n: number }>(topic, { group: 'poison-group', service: 'test' }, async (m) => {
        handled.push(m.payload.n);
        resolveNext();
      }),
    );
    const producer = raw.producer();
    await producer.connect();
    await producer.send({ topic: topic.name, messages: [{ key: 'job-1', value: '{"this is": not json' }] });
    await producer.send({ topic: topic.name, messages: [{ key: 'job-1', value: JSON.stringify({ ...message(topic, 1), payload: { n: 'x' } }) }] });
    await producer.disconnect();
    await bus.publish(topic, message(topic, 2));
    await next;
    expect(handled).toEqual([2]);
    const letters = await readDeadLetters(topic.name, 2);
    expect(letters.map((l) => l.reason)).toEqual(['malformed-json', 'schema-validation']);
    expect(letters[0].originalValue).toBe('{"this is": not json');
    expect(letters[1].error).toContain('payload.n');
    expect(letters[1]).toMatchObject({ originalTopic: topic.name, originalPartition: 0, group: 'poison-group', attempts: 0 });
  });

  it('dead-letters a message whose retries run out, with the attempt count, and moves on', async () => {
    const topic = uniqueWorkTopic('exhausted');
    await bus.ensureTopics([topic]);
    const next = new Promise<void>((resolveNext) =>
      void bus.subscribe<{ n: number }>(topic, { group: 'exhausted-group', service: 'test' }, async (m) => {
        if (m.payload.n === 1) throw new RetriableError('still down');
        resolveNext();
      }),
    );
    await bus.publish(topic, message(topic, 1));
    await bus.publish(topic, message(topic, 2));
    await next;
    const [letter] = await readDeadLetters(topic.name, 1);
    expect(letter).toMatchObject({ reason: 'retries-exhausted', attempts: 4 });
    expect(JSON.parse(letter.originalValue).payload).toEqual({ n: 1 });
  });
});

describe('a consumer killed with SIGKILL after its work and before its commit', () => {
  const fixture = resolve(__dirname, 'fixtures/side-effect-consumer.ts');

  function startConsumer(env: Record<string, string>): { child: ChildProcess; subscribed: Promise<void> } {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', fixture], {
      cwd: resolve(__dirname, '../../..'),
      env: { ...process.env, ...S3_ENV, TF_KAFKA_BROKERS: KAFKA_BROKERS.join(','), TF_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const subscribed = new Promise<void>((resolveSub, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('subscribed') && resolveSub());
      child.once('exit', (code) => reject(new Error(`consumer exited early with ${code}`)));
    });
    return { child, subscribed };
  }

  it('gets the message again and does not repeat the side effect', async () => {
    const topic = uniqueWorkTopic('crash');
    const bucket = `tf-crash-${Date.now()}`;
    const dir = mkdtempSync(join(tmpdir(), 'tf-crash-'));
    const env = {
      TOPIC: topic.name,
      GROUP: 'crash-group',
      SIDE_EFFECT_FILE: join(dir, 'side-effects'),
      DELIVERY_FILE: join(dir, 'deliveries'),
      TF_S3_BUCKET: bucket,
    };
    const publisher = new KafkaMessageBus({
      brokers: KAFKA_BROKERS,
      clientId: 'crash-publisher',
      logger: quietLogger,
      idempotency: new StoreIdempotencyStore(createArtifactStoreFromEnv({ ...S3_ENV, TF_S3_BUCKET: bucket })),
    });
    await publisher.ensureTopics([topic]);

    const first = startConsumer({ ...env, KILL_AFTER_RECORD: '1' });
    await first.subscribed;
    const killed = new Promise<NodeJS.Signals | null>((resolveKill) => first.child.once('exit', (_code, signal) => resolveKill(signal)));
    const crashing = message(topic, 1);
    await publisher.publish(topic, crashing);
    expect(await killed).toBe('SIGKILL');
    expect(readFileSync(env.SIDE_EFFECT_FILE, 'utf8')).toBe('1\n');

    const second = startConsumer(env);
    await second.subscribed;
    await publisher.publish(topic, message(topic, 2));
    await waitFor(() => existsSync(env.SIDE_EFFECT_FILE) && readFileSync(env.SIDE_EFFECT_FILE, 'utf8').includes('2\n'), 60_000);
    second.child.kill('SIGTERM');
    await new Promise((resolveExit) => second.child.once('exit', resolveExit));
    await publisher.close();

    const deliveries = readFileSync(env.DELIVERY_FILE, 'utf8').trim().split('\n');
    // Redelivered: the uncommitted message came to the second consumer too ...
    expect(deliveries.filter((id) => id === crashing.messageId)).toHaveLength(2);
    // ... which recognised it as done: the side effect happened once.
    expect(readFileSync(env.SIDE_EFFECT_FILE, 'utf8')).toBe('1\n2\n');
  });
});

describe('a message that kills every consumer that handles it (issue #18)', () => {
  const fixture = resolve(__dirname, 'fixtures/side-effect-consumer.ts');
  const databaseUrl = process.env.TF_DATABASE_URL ?? 'postgres://tuneforge:tuneforge-dev-secret@127.0.0.1:5432/tuneforge';

  it('is dead-lettered as poison after the allowed handler starts, and the partition moves on', async () => {
    const topic = uniqueWorkTopic('poison');
    const dir = mkdtempSync(join(tmpdir(), 'tf-poison-'));
    const database = await openTestDatabase(databaseUrl);
    const env = {
      TOPIC: topic.name,
      GROUP: 'poison-kill-group',
      SIDE_EFFECT_FILE: join(dir, 'side-effects'),
      DELIVERY_FILE: join(dir, 'deliveries'),
      KILL_IN_HANDLER: '1',
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: database.schema!,
      MAX_HANDLER_STARTS: '2',
    };
    const publisher = new KafkaMessageBus({ brokers: KAFKA_BROKERS, clientId: 'poison-publisher', logger: quietLogger, idempotency: new InMemoryIdempotencyStore() });
    try {
      await publisher.ensureTopics([topic]);
      await publisher.publish(topic, message(topic, 1));
      await publisher.publish(topic, message(topic, 2));
      // Each replica that picks the message up dies in its handler (SIGKILL, as the kernel's OOM killer does).
      for (let replica = 0; replica < 2; replica++) {
        const { child } = spawnConsumer(fixture, env);
        const [, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolveExit) => child.once('exit', (code, sig) => resolveExit([code, sig])));
        expect(signal).toBe('SIGKILL');
      }
      // The next one finds two starts without an outcome: it dead-letters the message without running it, and
      // handles the one behind it.
      const survivor = spawnConsumer(fixture, env);
      await waitFor(() => existsSync(env.SIDE_EFFECT_FILE) && readFileSync(env.SIDE_EFFECT_FILE, 'utf8').includes('2\n'), 120_000);
      survivor.child.kill('SIGTERM');
      await new Promise((resolveExit) => survivor.child.once('exit', resolveExit));
      const [letter] = await readDeadLetters(topic.name, 1);
      expect(letter).toMatchObject({ reason: 'poison', attempts: 2, group: 'poison-kill-group' });
      expect(JSON.parse(letter.originalValue).payload).toEqual({ n: 1 });
      expect(readFileSync(env.SIDE_EFFECT_FILE, 'utf8')).toBe('2\n');
      expect(await database.query('SELECT * FROM delivery_attempts')).toEqual([]);
      // Recorded for operators too (tuneforge admin dlq list / replay).
      expect(await database.query('SELECT original_topic, consumer, reason, attempts, replayed_at FROM dead_letters')).toEqual([
        { original_topic: topic.name, consumer: 'poison-kill-group', reason: 'poison', attempts: 2, replayed_at: null },
      ]);
    } finally {
      await publisher.close();
      await dropTestDatabase(database);
    }
  }, 240_000);
});

function spawnConsumer(fixture: string, env: Record<string, string>): { child: ChildProcess } {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', fixture], {
    cwd: resolve(__dirname, '../../..'),
    env: { ...process.env, ...S3_ENV, TF_KAFKA_BROKERS: KAFKA_BROKERS.join(','), TF_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
