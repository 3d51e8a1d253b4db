import { z } from 'zod';
import type { DeadLetterReason } from './errors';

/**
 * What a dead-letter topic holds: the original message exactly as it arrived (so it can be fixed and
 * replayed), where it came from, why it failed and after how many attempts.
 */
export const deadLetterRecordSchema = z.object({
  originalTopic: z.string(),
  originalPartition: z.number().int(),
  originalOffset: z.string(),
  originalKey: z.string().nullable(),
  originalValue: z.string(),
  originalHeaders: z.record(z.string(), z.string()),
  group: z.string(),
  service: z.string(),
  reason: z.enum(['malformed-json', 'schema-validation', 'handler-failed', 'retries-exhausted', 'poison']),
  error: z.string(),
  attempts: z.number().int().nonnegative(),
  failedAt: z.string(),
});

export type DeadLetterRecord = z.infer<typeof deadLetterRecordSchema> & { reason: DeadLetterReason };
