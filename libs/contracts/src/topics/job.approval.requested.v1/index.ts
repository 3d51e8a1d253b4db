import { z } from 'zod';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

export const APPROVAL_DECISIONS = ['approve', 'reject', 'edit'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

export const APPROVAL_STAGES = ['training_halfway', 'after_evaluation', 'apply_diagnosis'] as const;

/**
 * The workflow asks a human (or its approval policy) a question and waits for `job.approval.answered.v1`
 * with the same approval id. `autoAnswer` is set when the job's policy answers at once (no human asked).
 */
export const jobApprovalRequestedV1 = defineTopic(
  'job.approval.requested.v1',
  z
    .object({
      approvalId: keySafeIdSchema,
      jobId: keySafeIdSchema,
      stage: z.enum(APPROVAL_STAGES),
      question: z.string().min(1).max(2000),
      options: z.array(z.enum(APPROVAL_DECISIONS)).min(1),
      /** What the question is about (for the halfway question: step, total steps, last loss). */
      context: z.record(z.string(), z.unknown()).default({}),
      autoAnswer: z.enum(APPROVAL_DECISIONS).nullable().default(null),
      /** Unix seconds: a question asked to a human is decided then if nobody answered (null: no limit). */
      decideAt: z.number().int().nonnegative().nullable().default(null),
      /** The decision taken at `decideAt`. */
      decisionOnTimeout: z.enum(APPROVAL_DECISIONS).nullable().default(null),
      /** Unix seconds. */
      created_at: z.number().int().nonnegative(),
    })
    .strict(),
  { partitions: 6 },
);
