import { randomUUID } from 'node:crypto';
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
