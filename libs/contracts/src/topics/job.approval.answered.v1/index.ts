import { z } from 'zod';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';
import { APPROVAL_DECISIONS } from '../job.approval.requested.v1';

/**
 * The answer to an approval request, from a human through the gateway or from the job's approval policy.
 * The first answer to an approval id applies; any later one (the same or another decision) changes nothing.
 */
export const jobApprovalAnsweredV1 = defineTopic(
  'job.approval.answered.v1',
  z
    .object({
      approvalId: keySafeIdSchema,
      jobId: keySafeIdSchema,
      decision: z.enum(APPROVAL_DECISIONS),
      answeredBy: z.enum(['human', 'policy']),
      /** With `edit`: the changes asked for. */
      edits: z.record(z.string(), z.unknown()).optional(),
      comment: z.string().max(4000).optional(),
    })
    .strict(),
  { partitions: 6 },
);
