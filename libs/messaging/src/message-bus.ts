import type { Envelope, PayloadOf, TopicSpec } from '@tuneforge/contracts';

/** Where a delivered message came from; offsets are strings because Kafka's are 64-bit. */
export interface DeliveryInfo {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  /** 1 for the first try within this delivery; retries of a retriable error count up. */
  attempt: number;
}

export type MessageHandler<P = unknown> = (message: Envelope<P>, delivery: DeliveryInfo) => Promise<void>;

/** One topic a consumer group reads and the handler its messages go to. */
export interface TopicRoute {
  topic: TopicSpec;
  handler: MessageHandler<never>;
}

export interface SubscribeOptions {
  /**
   * The consumer group. Members of one group share the work; each group sees every message. Work
   * queues use the service name; broadcasts that every instance must see use a per-instance group.
   */
  group: string;
  /** The service that owns this subscription: names spans, logs and metrics. */
  service: string;
  /** Where a group with no committed position starts. Work groups start at the earliest retained message. */
  startFrom?: 'earliest' | 'latest';
}

export interface Subscription {
  /** Stops taking new messages and waits for the one in hand to finish (and commit) first. */
  close(): Promise<void>;
}

export interface PublishOptions {
  /** Messages with one key stay in order; defaults to the correlation (job) id. */
  key?: string;
}

/**
 * Publish/subscribe with at-least-once delivery, per-key order, schema validation on both sides,
 * retries, dead letters and idempotent handling — over Kafka or in-process, the same for handlers.
 */
export interface MessageBus {
  readonly transport: 'kafka' | 'in-process';
  /** Creates the declared topics and their dead-letter topics where the transport needs it. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Resolves once the message is durably accepted by the transport. */
  publish<P>(topic: TopicSpec, message: Envelope<P>, options?: PublishOptions): Promise<void>;
  subscribe<P>(topic: TopicSpec, options: SubscribeOptions, handler: MessageHandler<P>): Promise<Subscription>;
  /**
   * Every topic a consumer group reads, in one call: on Kafka the group is one consumer, and a group
   * whose members subscribed to different topics would be handed partitions of topics it has no
   * handler for. A group subscribes once per process.
   */
  subscribeAll(options: SubscribeOptions, routes: readonly TopicRoute[]): Promise<Subscription>;
  /** Throws when the transport cannot currently be reached (readiness). */
  checkReachable(): Promise<void>;
  close(): Promise<void>;
}

export interface ReadSinceOptions {
  /** The reader's own consumer group: it shares no position with any other reader, and commits none. */
  group: string;
  /** Messages published before this time are not read (on Kafka: offsets by timestamp, partition by partition). */
  since: Date;
}

/** Gets each valid message of the topic once; an error it throws makes the transport deliver the message again, which is then skipped. */
export type ReadHandler<P = unknown> = (message: Envelope<P>, delivery: DeliveryInfo) => void;

/**
 * An extension of the bus for a reader that follows a topic from a point in time rather than from a consumer
 * group's position — a training pod reading its run's control from the run's request on, not every earlier
 * run's controls in a long-lived topic. It stands outside the delivery pipeline: nothing is committed, no
 * idempotency record is written, and a message that fails validation is skipped (the topic's own consumers
 * dead-letter it). Each message id is handed over once per reader (an in-memory ledger: a rebalance may
 * deliver a message twice). Kafka's bus has it; the in-process bus has no need (its pods hear control
 * through their trainer).
 */
export interface TopicReader {
  readSince<T extends TopicSpec>(topic: T, options: ReadSinceOptions, handler: ReadHandler<PayloadOf<T>>): Promise<Subscription>;
}
