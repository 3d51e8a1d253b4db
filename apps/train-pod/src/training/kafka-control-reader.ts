import { trainingRunControlV1 } from '@tuneforge/contracts';
import type { Logger } from '@tuneforge/telemetry';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { ControlMessage } from './pod-channel';

/** Producers' clocks may run ahead of the one that stamped the run's request: read a little earlier. */
export const CONTROL_CLOCK_SKEW_MS = 60_000;

const JOIN_TIMEOUT_MS = 30_000;

export interface KafkaControlReaderOptions {
  brokers: string[];
  clientId: string;
  /** The pod instance's own consumer group: it shares no position with any other pod. */
  group: string;
  tenant: string;
  runId: string;
  /** Controls of this run can only have been published after this time (the run's request). */
  since: Date;
  logger: Logger;
}

/**
 * Reads the control topic for one run, from the messages published since the run was requested — not
 * from the start of the retained topic. A long-lived topic holds every earlier run's controls; reading
 * them all (with a durable idempotency record per message) kept a pod busy long after its own pause was
 * published. Control actions are idempotent state changes applied in order, so a message seen twice (a
 * rebalance) is applied again harmlessly; an in-memory ledger of message ids still keeps that to once.
 * Messages that fail validation are skipped here: the trainer's own consumer dead-letters them.
 */
export class KafkaControlReader {
  private consumer?: Consumer;
  private readonly seen = new Set<string>();

  constructor(private readonly options: KafkaControlReaderOptions) {}

  async start(handler: (message: ControlMessage) => void): Promise<void> {
    const { options } = this;
    const kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, logLevel: logLevel.ERROR, retry: { retries: 5, initialRetryTime: 200 } });
    const admin = kafka.admin();
    await admin.connect();
    let from: Array<{ partition: number; offset: string }>;
    try {
      from = await admin.fetchTopicOffsetsByTimestamp(trainingRunControlV1.name, options.since.getTime() - CONTROL_CLOCK_SKEW_MS);
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({ groupId: options.group, allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new Error(`the control consumer (group ${options.group}) did not join within ${JOIN_TIMEOUT_MS} ms`));
      }, JOIN_TIMEOUT_MS);
      const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        remove();
        resolve();
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [trainingRunControlV1.name], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        let raw: unknown;
        try {
          raw = JSON.parse(message.value?.toString('utf8') ?? '');
        } catch {
          return;
        }
        const parsed = trainingRunControlV1.envelope.safeParse(raw);
        if (!parsed.success) return;
        const control = parsed.data as ControlMessage;
        if (control.tenant !== options.tenant || control.payload.runId !== options.runId || this.seen.has(control.messageId)) return;
        this.seen.add(control.messageId);
        options.logger.info({ runId: options.runId, action: control.payload.action, messageId: control.messageId, offset: message.offset }, 'control received');
        handler(control);
      },
    });
    // Seeks made before the assignment are applied at the first fetch of each partition.
    for (const { partition, offset } of from) consumer.seek({ topic: trainingRunControlV1.name, partition, offset });
    await joined;
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
