import { deadLetterTopicName, type Envelope, type PayloadOf, type TopicSpec } from '@tuneforge/contracts';
import type { Logger } from '@tuneforge/telemetry';
import { Kafka, type Admin, type Consumer, type IHeaders, type KafkaMessage, type Producer, type RetryOptions } from 'kafkajs';
import type { DeadLetterLog } from '../dead-letter-log';
import { retryingRetriable } from './retrying-retriable';
import type { DeliveryAttempts } from '../delivery-attempts';
import type { IdempotencyStore } from '../idempotency';
import type {
  MessageBus,
  MessageHandler,
  PublishOptions,
  ReadHandler,
  ReadSinceOptions,
  SubscribeOptions,
  Subscription,
  TopicReader,
  TopicRoute,
} from '../message-bus';
import { messagesPublished } from '../messaging-metrics';
import { publishWithSpan } from '../outgoing-message';
import { processDelivery, type RawDelivery } from '../process-delivery';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry-policy';
import { kafkaSecurityFromEnv, type KafkaConnectionSecurity } from './kafka-credentials';
import { kafkaLogCreator } from './kafka-logger';
import { createDeclaredTopics } from './topic-admin';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  idempotency: IdempotencyStore;
  /** Where dead letters are also recorded for operators (`tuneforge admin dlq`): the metadata database. */
  deadLetterLog?: DeadLetterLog;
  /** Durable handler-start counts: a message that kills its worker is dead-lettered after `maxHandlerStarts`. */
  attempts?: DeliveryAttempts;
  maxHandlerStarts?: number;
  retry?: RetryPolicy;
  replicationFactor?: number;
  /** How long a consumer may be silent before the group hands its partitions to another member. */
  sessionTimeoutMs?: number;
  /** Bound on waiting for a consumer to join its group during subscribe. */
  joinTimeoutMs?: number;
  /**
   * How the client authenticates (SASL, TLS). Absent: from the environment (TF_KAFKA_SASL_*, TF_KAFKA_SSL: see
   * kafka-credentials.ts), so that every service and pod logs in as its own principal without code of its own.
   */
  security?: KafkaConnectionSecurity;
}

/**
 * The distributed-mode bus on Kafka through kafkajs. The producer is idempotent and every send awaits
 * the acknowledgement of all in-sync replicas. A message's offset is resolved only once the shared pipeline
 * has recorded its outcome (kafkajs resolves it when `eachMessage` returns; a throw resolves nothing and seeks
 * back), and resolved offsets are committed in groups (every COMMIT_EVERY messages or COMMIT_INTERVAL_MS, and on
 * rebalance and shutdown) rather than one round trip per message: a crash redelivers at most the messages since
 * the last commit, and the idempotency record keeps each second delivery from doing anything.
 */
const COMMIT_EVERY = 100;
const COMMIT_INTERVAL_MS = 1000;

export class KafkaMessageBus implements MessageBus, TopicReader {
  readonly transport = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly retry: RetryPolicy;
  private readonly consumers = new Set<Consumer>();
  private readonly groups = new Set<string>();
  private connecting: Promise<void> | undefined;

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ...(options.security ?? kafkaSecurityFromEnv()),
      logCreator: kafkaLogCreator(options.logger),
      retry: { retries: 5, initialRetryTime: 200 },
    });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.admin = this.kafka.admin();
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    await this.connect();
    await createDeclaredTopics(this.admin, topics, this.options.replicationFactor ?? 1);
  }

  async publish<P>(topic: TopicSpec, message: Envelope<P>, options: PublishOptions = {}): Promise<void> {
    await this.connect();
    await publishWithSpan(topic, message, options, async ({ key, value, headers }) => {
      await this.producer.send({ topic: topic.name, acks: -1, messages: [{ key, value, headers }] });
    });
    messagesPublished.inc({ topic: topic.name });
  }

  async subscribe<P>(topic: TopicSpec, options: SubscribeOptions, handler: MessageHandler<P>): Promise<Subscription> {
    return this.subscribeAll(options, [{ topic, handler: handler as MessageHandler<never> }]);
  }

  async subscribeAll(options: SubscribeOptions, routes: readonly TopicRoute[]): Promise<Subscription> {
    if (this.groups.has(options.group)) {
      throw new Error(`consumer group ${options.group} already subscribed in this process: subscribe all its topics in one subscribeAll call`);
    }
    const byTopic = new Map(routes.map((route) => [route.topic.name, route]));
    await this.connect();
    const { consumer, joined, subscription } = this.openConsumer(options.group, { retries: 10, initialRetryTime: 300 });
    await consumer.connect();
    await consumer.subscribe({ topics: [...byTopic.keys()], fromBeginning: (options.startFrom ?? 'earliest') === 'earliest' });
    await consumer.run({
      autoCommit: true,
      autoCommitThreshold: COMMIT_EVERY,
      autoCommitInterval: COMMIT_INTERVAL_MS,
      eachMessage: async ({ topic: name, partition, message, heartbeat }) => {
        const route = byTopic.get(name);
        if (!route) throw new Error(`assigned topic ${name} has no handler in group ${options.group}`);
        const raw = toRawDelivery(name, partition, message);
        await processDelivery(raw, route.topic, options, route.handler, {
          idempotency: this.options.idempotency,
          attempts: this.options.attempts,
          maxHandlerStarts: this.options.maxHandlerStarts,
          retry: this.retry,
          logger: this.options.logger,
          heartbeat,
          deadLetter: async (record) => {
            await this.sendDeadLetter(record.originalTopic, record.originalKey, record);
            await this.options.deadLetterLog?.record(record);
          },
        });
        // Returning resolves the offset for the next group commit; had anything above thrown, kafkajs would seek back
        // and deliver the message again.
      },
    });
    await joined;
    return subscription;
  }

  /** `TopicReader`: the topic from `options.since` on, outside the delivery pipeline (see there). */
  async readSince<T extends TopicSpec>(topic: T, options: ReadSinceOptions, handler: ReadHandler<PayloadOf<T>>): Promise<Subscription> {
    if (this.groups.has(options.group)) throw new Error(`consumer group ${options.group} already subscribed in this process`);
    await this.connect();
    const from = await retryingRetriable(() => this.admin.fetchTopicOffsetsByTimestamp(topic.name, options.since.getTime()));
    const { consumer, joined, subscription } = this.openConsumer(options.group);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic.name], fromBeginning: false });
    const seen = new Set<string>();
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const { value, ...delivery } = toRawDelivery(topic.name, partition, message);
        let raw: unknown;
        try {
          raw = JSON.parse(value ?? '');
        } catch {
          return;
        }
        const parsed = topic.envelope.safeParse(raw);
        if (!parsed.success || seen.has(parsed.data.messageId)) return;
        seen.add(parsed.data.messageId);
        handler(parsed.data as Envelope<PayloadOf<T>>, { ...delivery, attempt: 1 });
      },
    });
    // Seeks made before the assignment are applied at the first fetch of each partition.
    for (const { partition, offset } of from) consumer.seek({ topic: topic.name, partition, offset });
    await joined;
    return subscription;
  }

  async checkReachable(): Promise<void> {
    await this.connect();
    await this.admin.describeCluster();
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.disconnect()));
    this.consumers.clear();
    this.groups.clear();
    await this.producer.disconnect();
    await this.admin.disconnect();
    this.connecting = undefined;
  }

  /** A consumer of `group`, closed with the bus; `joined` resolves once it has its partitions, `subscription` ends it. */
  private openConsumer(group: string, retry?: RetryOptions): { consumer: Consumer; joined: Promise<void>; subscription: Subscription } {
    const consumer = this.kafka.consumer({
      groupId: group,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      ...(retry && { retry }),
    });
    this.consumers.add(consumer);
    this.groups.add(group);
    const joined = waitForGroupJoin(consumer, this.options.joinTimeoutMs ?? 30_000);
    const subscription = {
      close: async () => {
        // disconnect() lets the message in hand finish (and commit) before leaving the group.
        await consumer.disconnect();
        this.consumers.delete(consumer);
        this.groups.delete(group);
      },
    };
    return { consumer, joined, subscription };
  }

  private connect(): Promise<void> {
    this.connecting ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(
      () => undefined,
      (error) => {
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  private async sendDeadLetter(topic: string, key: string | null, record: object): Promise<void> {
    await this.producer.send({
      topic: deadLetterTopicName(topic),
      acks: -1,
      messages: [{ key, value: JSON.stringify(record) }],
    });
  }
}

function toRawDelivery(topic: string, partition: number, message: KafkaMessage): RawDelivery {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    value: message.value ? message.value.toString('utf8') : null,
    headers: headersToStrings(message.headers),
  };
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    result[name] = Buffer.isBuffer(single) ? single.toString('utf8') : String(single);
  }
  return result;
}

/** Resolves when the consumer has its partitions, so that a message published right after is not missed. */
function waitForGroupJoin(consumer: Consumer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      removeListener();
      reject(new Error(`consumer did not join its group within ${timeoutMs} ms`));
    }, timeoutMs);
    const removeListener = consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      removeListener();
      resolve();
    });
  });
}
