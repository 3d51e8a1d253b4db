import { z } from 'zod';

/**
 * Fields every message on the bus carries, whatever its topic. The payload is typed per topic;
 * the envelope lets any consumer correlate, deduplicate and trace a message without knowing it.
 */
export const envelopeFields = {
  /** Unique per message; consumers use it to recognise a redelivery. */
  messageId: z.string().uuid(),
  /** The job (or other unit of work, such as a ping) this message belongs to. */
  correlationId: z.string().min(1).max(200),
  /** The message that caused this one, if any: lets a trace of events be rebuilt without spans. */
  causationId: z.string().uuid().nullable(),
  createdAt: z.string().datetime({ offset: true }),
  schemaVersion: z.number().int().positive(),
  tenant: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'tenant ids are lowercase letters, digits, _ and -'),
};

export const anyEnvelopeSchema = z.object({ ...envelopeFields, payload: z.unknown() }).strict();

export function envelopeSchema<P extends z.ZodTypeAny>(payload: P) {
  return z.object({ ...envelopeFields, payload }).strict();
}

export type Envelope<P = unknown> = Omit<z.infer<typeof anyEnvelopeSchema>, 'payload'> & { payload: P };
