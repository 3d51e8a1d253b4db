import { z } from 'zod';
import { SERVICE_NAMES } from '../../services';
import { defineTopic } from '../../topic';

/** One service instance's answer to a ping, correlated by the ping's correlation id. */
export const pingAnsweredV1 = defineTopic(
  'system.ping.answered.v1',
  z
    .object({
      service: z.enum(SERVICE_NAMES),
      version: z.string().min(1),
      instanceId: z.string().min(1),
      hostname: z.string(),
      pid: z.number().int().nonnegative(),
      mode: z.enum(['embedded', 'distributed']),
    })
    .strict(),
  { partitions: 1, retentionMs: 60 * 60 * 1000 },
);
