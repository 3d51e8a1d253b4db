import { deadLetterTopicName, type Envelope, type TopicSpec } from '@tuneforge/contracts';
import type { Logger } from '@tuneforge/telemetry';
import type { DeadLetterRecord } from '../dead-letter';
import { InMemoryIdempotencyStore, type IdempotencyStore } from '../idempotency';
import type { MessageBus, MessageHandler, PublishOptions, SubscribeOptions, Subscription, TopicRoute } from '../message-bus';
import { messagesPublished } from '../messaging-metrics';
import { publishWithSpan } from '../outgoing-message';
import { partitionForKey } from '../partition-for-key';
import { processDelivery, type RawDelivery } from '../process-delivery';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry-policy';
import { PartitionLog, type StoredMessage } from './partition-log';

export interface InProcessBusOptions {
  logger: Logger;
  idempotency?: IdempotencyStore;
  retry?: RetryPolicy;
  /** Pause before retrying a message whose outcome could not be recorded. */
  redeliveryDelayMs?: number;
}

/**
 * The embedded-mode bus: Kafka's model in memory. Each topic has partitioned logs, each consumer group
 * a position per partition, advanced only after the shared pipeline has recorded the outcome — so
 * handlers get the same at-least-once, per-key-ordered, dead-lettering delivery as over Kafka.
 * Messages live as long as the process.
 */
export class InProcessMessageBus implements MessageBus {
  readonly transport = 'in-process' as const;
  private readonly logs = new Map<string, PartitionLog[]>();
  private readonly deadLetters = new Map<string, DeadLetterRecord[]>();
  private readonly workers = new Set<PartitionWorker>();
  private readonly idempotency: IdempotencyStore;
  private readonly retry: RetryPolicy;
  private closed = false;

  constructor(private readonly options: InProcessBusOptions) {
    this.idempotency = options.idempotency ?? new InMemoryIdempotencyStore();
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    for (const topic of topics) this.partitionsOf(topic);
  }

  async publish<P>(topic: TopicSpec, message: Envelope<P>, options: PublishOptions = {}): Promise<void> {
    if (this.closed) throw new Error('the in-process bus is closed');
    await publishWithSpan(topic, message, options, async ({ key, value, headers }) => {
      const partitions = this.partitionsOf(topic);
      partitions[partitionForKey(key, partitions.length)].append({ key, value, headers });
    });
    messagesPublished.inc({ topic: topic.name });
  }

  async subscribe<P>(topic: TopicSpec, options: SubscribeOptions, handler: MessageHandler<P>): Promise<Subscription> {
    return this.subscribeAll(options, [{ topic, handler: handler as MessageHandler<never> }]);
  }

  async subscribeAll(options: SubscribeOptions, routes: readonly TopicRoute[]): Promise<Subscription> {
    const workers = routes.flatMap(({ topic, handler }) => this.workersFor(topic, options, handler));
    return {
      close: async () => {
        await Promise.all(workers.map((worker) => worker.stop()));
        for (const worker of workers) this.workers.delete(worker);
      },
    };
  }

  private workersFor(topic: TopicSpec, options: SubscribeOptions, handler: MessageHandler<never>): PartitionWorker[] {
    return this.partitionsOf(topic).map((log, partition) => {
      const worker = new PartitionWorker(topic.name, log, partition, options, (raw) =>
        processDelivery(raw, topic, options, handler, {
          idempotency: this.idempotency,
          retry: this.retry,
          logger: this.options.logger,
          deadLetter: async (record) => this.recordDeadLetter(record),
        }),
        this.options,
      );
      this.workers.add(worker);
      worker.start();
      return worker;
    });
  }

  /** The dead letters of a topic, oldest first: what `<topic>.dlq` would hold on Kafka. */
  deadLettersOf(topic: string): readonly DeadLetterRecord[] {
    return this.deadLetters.get(deadLetterTopicName(topic)) ?? [];
  }

  /** Appends raw bytes as a producer outside the project could: lets tests send what no schema allows. */
  publishRaw(topic: TopicSpec, key: string, value: string): void {
    const partitions = this.partitionsOf(topic);
    partitions[partitionForKey(key, partitions.length)].append({ key, value, headers: {} });
  }

  async checkReachable(): Promise<void> {
    if (this.closed) throw new Error('the in-process bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers].map((worker) => worker.stop()));
    this.workers.clear();
  }

  private recordDeadLetter(record: DeadLetterRecord): void {
    const name = deadLetterTopicName(record.originalTopic);
    const list = this.deadLetters.get(name) ?? [];
    list.push(record);
    this.deadLetters.set(name, list);
  }

  private partitionsOf(topic: TopicSpec): PartitionLog[] {
    let partitions = this.logs.get(topic.name);
    if (!partitions) {
      partitions = Array.from({ length: topic.partitions }, () => new PartitionLog());
      this.logs.set(topic.name, partitions);
    }
    return partitions;
  }
}

/** Delivers one partition to one group, one message at a time, in order. */
class PartitionWorker {
  private position: number;
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly topic: string,
    private readonly log: PartitionLog,
    private readonly partition: number,
    private readonly subscription: SubscribeOptions,
    private readonly deliver: (raw: RawDelivery) => Promise<unknown>,
    private readonly options: InProcessBusOptions,
  ) {
    this.position = log.join(subscription.group, subscription.startFrom ?? 'earliest');
    this.unsubscribe = log.onAppend(() => this.wake?.());
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.unsubscribe();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const stored = this.log.at(this.position);
      if (!stored) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      if (await this.tryDeliver(stored)) {
        this.position += 1;
        this.log.commit(this.subscription.group, this.position);
      }
    }
  }

  private async tryDeliver(stored: StoredMessage): Promise<boolean> {
    try {
      await this.deliver({
        topic: this.topic,
        partition: this.partition,
        offset: String(this.position),
        key: stored.key,
        value: stored.value,
        headers: { ...stored.headers },
      });
      return true;
    } catch (error) {
      // The outcome could not be recorded: keep the position, so the message comes again.
      this.options.logger.error({ err: error, partition: this.partition }, 'delivery not recorded; will redeliver');
      await new Promise((resolve) => setTimeout(resolve, this.options.redeliveryDelayMs ?? 500));
      return false;
    }
  }
}
