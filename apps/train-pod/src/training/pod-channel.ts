import {
  ALL_TOPICS,
  createMessage,
  deterministicUuid,
  trainingRunControlV1,
  type Envelope,
  type PodRunSpec,
  type PodToTrainerIpc,
  type TopicSpec,
  type TrainerToPodIpc,
  type TrainingControlMessage,
} from '@tuneforge/contracts';
import { InMemoryIdempotencyStore, KafkaMessageBus, type Subscription } from '@tuneforge/messaging';
import type { Logger } from '@tuneforge/telemetry';
import type { z } from 'zod';

/** Producers' clocks may run ahead of the one that stamped the run's request: control is read from a little earlier. */
export const CONTROL_CLOCK_SKEW_MS = 60_000;

/** How a pod talks to the rest of the system: publish its events, hear control messages for its run. */
export interface PodChannel {
  /**
   * Publishes an event of the run. `dedupKey` names the event within the run (`progress/12`): its message id
   * derives from it, so the same event published again by a resumed pod is one message to every consumer.
   */
  publish<P extends z.ZodTypeAny>(topic: TopicSpec<P>, payload: z.infer<P>, dedupKey: string): Promise<void>;
  onControl(handler: (message: TrainingControlMessage) => void): Promise<void>;
  close(): Promise<void>;
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
 * nothing through the delivery pipeline, so its idempotency ledger stays in memory) and reads its run's
 * control with the bus's `readSince` (a per-instance group, from the run's request onwards, not from the
 * start of a topic that holds every earlier run's controls; control actions are idempotent state changes
 * applied in order, so the reader's in-memory ledger of message ids is enough).
 */
export class KafkaPodChannel implements PodChannel {
  private readonly bus: KafkaMessageBus;
  /** Controls of this run can only have been published after this time (the run's request). */
  private readonly since: Date;
  private controls?: Subscription;

  constructor(
    private readonly spec: PodRunSpec,
    brokers: string[],
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {
    this.bus = new KafkaMessageBus({ brokers, clientId: `train-pod-${instanceId}`, logger, idempotency: new InMemoryIdempotencyStore() });
    // A spec without the time (an older trainer) reads the last hour, still not the whole topic.
    this.since = spec.controlsSince ? new Date(spec.controlsSince) : new Date(Date.now() - 3_600_000);
  }

  async publish<P extends z.ZodTypeAny>(topic: TopicSpec<P>, payload: z.infer<P>, dedupKey: string): Promise<void> {
    await this.bus.publish(topic, envelope(this.spec, topic, payload, dedupKey));
  }

  async onControl(handler: (message: TrainingControlMessage) => void): Promise<void> {
    const { spec, logger } = this;
    const { runId } = spec.request;
    await this.bus.ensureTopics(ALL_TOPICS);
    this.controls = await this.bus.readSince(
      trainingRunControlV1,
      { group: `train-pod-${this.instanceId}`, since: new Date(this.since.getTime() - CONTROL_CLOCK_SKEW_MS) },
      (control, { offset }) => {
        if (control.tenant !== spec.tenant || control.payload.runId !== runId) return;
        logger.info({ runId, action: control.payload.action, messageId: control.messageId, offset }, 'control received');
        handler(control);
      },
    );
  }

  async close(): Promise<void> {
    await this.controls?.close();
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
    const out: PodToTrainerIpc = { type: 'publish', topic: topic.name, message: envelope(this.spec, topic, payload, dedupKey) };
    return new Promise((resolve, reject) => process.send!(out, undefined, {}, (error) => (error ? reject(error) : resolve())));
  }

  async onControl(handler: (message: TrainingControlMessage) => void): Promise<void> {
    this.listener = (raw) => {
      const message = raw as TrainerToPodIpc;
      if (message?.type !== 'control') return;
      const parsed = trainingRunControlV1.envelope.safeParse(message.message);
      if (parsed.success && parsed.data.payload.runId === this.spec.request.runId) handler(parsed.data as TrainingControlMessage);
    };
    process.on('message', this.listener);
    // Control sent before this listener existed would be lost: the parent holds it until it hears this.
    const ready: PodToTrainerIpc = { type: 'ready' };
    await new Promise<void>((resolve, reject) => process.send!(ready, undefined, {}, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    if (this.listener) process.off('message', this.listener);
    process.disconnect?.();
  }
}
