import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Envelope } from './envelope';
import type { TopicSpec } from './topic';

export interface NewMessageContext {
  correlationId: string;
  tenant: string;
  /** The message being handled when this one is created; null for messages a user action starts. */
  causedBy?: Pick<Envelope, 'messageId'> | null;
}

/** Builds a valid envelope for a topic, so that producers never assemble ids and versions by hand. */
export function createMessage<P extends z.ZodTypeAny>(
  topic: TopicSpec<P>,
  payload: z.infer<P>,
  context: NewMessageContext,
): Envelope<z.infer<P>> {
  return {
    messageId: randomUUID(),
    correlationId: context.correlationId,
    causationId: context.causedBy?.messageId ?? null,
    createdAt: new Date().toISOString(),
    schemaVersion: topic.version,
    tenant: context.tenant,
    payload,
  };
}

/**
 * A UUID (version 8, RFC 9562 layout) that is a pure function of its name. A producer that may publish the
 * same event again (a resumed pod, a replayed workflow step) names it, and uses this as its message id: the
 * copies are one message to every consumer.
 */
export function deterministicUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
