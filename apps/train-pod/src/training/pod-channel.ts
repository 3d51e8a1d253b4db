import { createHash } from 'node:crypto';
import { ALL_TOPICS, createMessage, trainingRunControlV1, type Envelope, type MessageOf, type TopicSpec } from '@tuneforge/contracts';
import { InMemoryIdempotencyStore, KafkaMessageBus } from '@tuneforge/messaging';
import type { Logger } from '@tuneforge/telemetry';
import type { z } from 'zod';
import { KafkaControlReader } from './kafka-control-reader';
import type { PodRunSpec } from './run-spec';

export type ControlMessage = MessageOf<typeof trainingRunControlV1>;

/** How a pod talks to the rest of the system: publish its events, hear control messages for its run. */
export interface PodChannel {
  /**
   * Publishes an event of the run. `dedupKey` names the event within the run (`progress/12`): its message id
   * derives from it, so the same event published again by a resumed pod is one message to every consumer.
   */
  publish<P extends z.ZodTypeAny>(topic: TopicSpec<P>, payload: z.infer<P>, dedupKey: string): Promise<void>;
  onControl(handler: (message: ControlMessage) => void): Promise<void>;
  close(): Promise<void>;
}

/** Messages between the trainer (parent) and a pod started with an IPC channel. */
export type IpcFromPod = { type: 'publish'; topic: string; message: Envelope } | { type: 'ready' };
export type IpcToPod = { type: 'control'; message: ControlMessage };

/** A UUID (version 8, RFC 9562 layout) that is a pure function of its name. */
export function deterministicUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function envelope<P extends z.ZodTypeAny>(spec: PodRunSpec, topic: TopicSpec<P>, payload: z.infer<P>, dedupKey: string): Envelope<z.infer<P>> {
  const message = {
    ...createMessage(topic, payload, { correlationId: spec.request.jobId, tenant: spec.tenant, causedBy: { messageId: spec.requestMessageId } }),
    messageId: deterministicUuid(`${spec.tenant}/${spec.request.jobId}/${spec.request.runId}/${topic.name}/${dedupKey}`),
  };
  topic.envelope.parse(message);
  return message;
}

/**
 * Distributed mode: the pod is a Kafka client of its own. It publishes through the bus (it consumes
 * nothing through it, so its idempotency ledger stays in memory) and reads its run's control with a
 * reader of its own, from the run's request onwards.
 */
export class KafkaPodChannel implements PodChannel {
  private readonly bus: KafkaMessageBus;
  private readonly controls: KafkaControlReader;

  constructor(
    private readonly spec: PodRunSpec,
    brokers: string[],
    instanceId: string,
    logger: Logger,
  ) {
    this.bus = new KafkaMessageBus({ brokers, clientId: `train-pod-${instanceId}`, logger, idempotency: new InMemoryIdempotencyStore() });
    this.controls = new KafkaControlReader({
      brokers,
      clientId: `train-pod-${instanceId}-control`,
      group: `train-pod-${instanceId}`,
      tenant: spec.tenant,
      runId: spec.request.runId,
      // A spec without the time (an older trainer) reads the last hour, still not the whole topic.
      since: spec.controlsSince ? new Date(spec.controlsSince) : new Date(Date.now() - 3_600_000),
      logger,
    });
  }

  async publish<P extends z.ZodTypeAny>(topic: TopicSpec<P>, payload: z.infer<P>, dedupKey: string): Promise<void> {
    await this.bus.publish(topic, envelope(this.spec, topic, payload, dedupKey));
  }

  async onControl(handler: (message: ControlMessage) => void): Promise<void> {
    await this.bus.ensureTopics(ALL_TOPICS);
    await this.controls.start(handler);
  }

  async close(): Promise<void> {
    await this.controls.close();
    await this.bus.close();
  }
}

/** Embedded mode: the trainer's in-process bus lives in the parent; events and control travel over IPC. */
export class IpcPodChannel implements PodChannel {
  private listener?: (raw: unknown) => void;

  constructor(private readonly spec: PodRunSpec) {
    if (!process.send) throw new Error('TF_POD_BUS=ipc needs a parent that started the pod with an IPC channel');
  }

  publish<P extends z.ZodTypeAny>(topic: TopicSpec<P>, payload: z.infer<P>, dedupKey: string): Promise<void> {
    const out: IpcFromPod = { type: 'publish', topic: topic.name, message: envelope(this.spec, topic, payload, dedupKey) };
    return new Promise((resolve, reject) => process.send!(out, undefined, {}, (error) => (error ? reject(error) : resolve())));
  }

  async onControl(handler: (message: ControlMessage) => void): Promise<void> {
    this.listener = (raw) => {
      const message = raw as IpcToPod;
      if (message?.type !== 'control') return;
      const parsed = trainingRunControlV1.envelope.safeParse(message.message);
      if (parsed.success && parsed.data.payload.runId === this.spec.request.runId) handler(parsed.data as ControlMessage);
    };
    process.on('message', this.listener);
    // Control sent before this listener existed would be lost: the parent holds it until it hears this.
    const ready: IpcFromPod = { type: 'ready' };
    await new Promise<void>((resolve, reject) => process.send!(ready, undefined, {}, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    if (this.listener) process.off('message', this.listener);
    process.disconnect?.();
  }
}
