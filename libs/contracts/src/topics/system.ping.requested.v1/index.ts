import { z } from 'zod';
import { defineTopic } from '../../topic';

/** Asks every running service to say who it is; the correlation id identifies the ping. */
export const pingRequestedV1 = defineTopic(
  'system.ping.requested.v1',
  z.object({ requestedBy: z.string().min(1) }).strict(),
  { partitions: 1, retentionMs: 60 * 60 * 1000 },
);
