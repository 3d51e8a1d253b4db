import { z } from 'zod';

const threshold = z
  .object({ atLeast: z.number().optional(), atMost: z.number().optional() })
  .strict()
  .refine((t) => t.atLeast !== undefined || t.atMost !== undefined, { message: 'give atLeast, atMost or both' });

/**
 * How an approval is answered: always ask a human, always approve, always reject, or approve when every
 * threshold holds on the numbers the question carries (its `context`: e.g. `loss` at training halfway,
 * the fine-tuned model's `tool_selection_accuracy` after evaluation) and otherwise ask or reject.
 */
export const approvalRuleSchema = z.union([
  z.enum(['ask', 'approve', 'reject']),
  z
    .object({
      approveIf: z.record(z.string().min(1), threshold).refine((r) => Object.keys(r).length > 0, { message: 'name at least one metric' }),
      otherwise: z.enum(['ask', 'reject']),
    })
    .strict(),
]);

export type ApprovalRule = z.infer<typeof approvalRuleSchema>;
export type ApprovalVerdict = 'ask' | 'approve' | 'reject';

/** The policy's answer for a question with these context numbers; a metric the context lacks fails its threshold. */
export function decideApproval(rule: ApprovalRule, context: Record<string, unknown>): ApprovalVerdict {
  if (typeof rule === 'string') return rule;
  const holds = Object.entries(rule.approveIf).every(([metric, { atLeast, atMost }]) => {
    const value = context[metric];
    if (typeof value !== 'number' || !Number.isFinite(value)) return false;
    return (atLeast === undefined || value >= atLeast) && (atMost === undefined || value <= atMost);
  });
  return holds ? 'approve' : rule.otherwise;
}

/** A week: longer than any run should stay paused on a question (and within what a Node timer can wait). */
export const MAX_APPROVAL_TIMEOUT_SECONDS = 7 * 24 * 3600;

/**
 * What an unanswered question decides when its time is up: the choice that keeps what the job already has.
 * Training goes on at halfway (stopping would throw the run away), the evaluated model is kept, and a
 * diagnosis' change is not applied (no new, unattended training run).
 */
export const APPROVAL_TIMEOUT_DECISIONS = {
  training_halfway: 'approve',
  after_evaluation: 'approve',
  apply_diagnosis: 'reject',
} as const satisfies Record<string, 'approve' | 'reject'>;
