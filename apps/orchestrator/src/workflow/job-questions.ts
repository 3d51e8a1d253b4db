/** The questions a job asks (approvals): asking, what the asking node waits for, and the answer it gets. */
import { APPROVAL_TIMEOUT_DECISIONS, jobApprovalAnsweredV1, jobApprovalRequestedV1, type ApprovalDecision, type PayloadOf } from '@tuneforge/contracts';
import { nowSeconds, type JobMessages } from './job-messages';
import { inboxKeys, type Delivery, type JobInput, type Waiting, type WorkflowPublisher } from './job-state';

export type ApprovalAnswer = PayloadOf<typeof jobApprovalAnsweredV1>;
export type ApprovalStage = keyof typeof APPROVAL_TIMEOUT_DECISIONS;
export type Question = Omit<PayloadOf<typeof jobApprovalRequestedV1>, 'jobId' | 'autoAnswer' | 'created_at' | 'decideAt' | 'decisionOnTimeout'>;
/** How the runner delivers a question's timeout: the policy's answer, marked so the awaiting node says why. */
type TimedOutAnswer = ApprovalAnswer & { timedOut?: true };

export interface JobQuestions {
  /**
   * Asks a question, answered at once when the policy decides from the context's numbers. A question left to
   * a human is decided at the returned time (Unix seconds) when nobody answers by then (null: no limit).
   */
  ask(job: JobInput, question: Question, verdict: 'ask' | 'approve' | 'reject', timeoutSeconds: number): Promise<number | null>;
  /** The answer a node received; a timeout's answer is announced like the policy's, so the API shows who decided. */
  answerOf(job: JobInput, delivery: Delivery): Promise<ApprovalAnswer>;
}

export function jobQuestions(publisher: WorkflowPublisher, event: JobMessages['event']): JobQuestions {
  return {
    ask: async (job, request, verdict, timeoutSeconds) => {
      const createdAt = nowSeconds();
      const decideAt = verdict === 'ask' && timeoutSeconds > 0 ? createdAt + timeoutSeconds : null;
      const decisionOnTimeout = decideAt === null ? null : APPROVAL_TIMEOUT_DECISIONS[request.stage];
      await publisher.publish(
        job,
        jobApprovalRequestedV1,
        { ...request, jobId: job.jobId, autoAnswer: verdict === 'ask' ? null : verdict, created_at: createdAt, decideAt, decisionOnTimeout },
        `approval-requested/${request.approvalId}`,
      );
      if (verdict !== 'ask') {
        await publisher.publish(job, jobApprovalAnsweredV1, { approvalId: request.approvalId, jobId: job.jobId, decision: verdict, answeredBy: 'policy' }, `approval-answered/${request.approvalId}`);
      }
      return decideAt;
    },
    answerOf: async (job, delivery) => {
      const { timedOut, ...answer } = delivery.value as TimedOutAnswer;
      if (timedOut) {
        await publisher.publish(job, jobApprovalAnsweredV1, answer, `approval-answered/${answer.approvalId}`);
        await event(job, `approval-timed-out-${answer.approvalId}`, `Nobody answered approval ${answer.approvalId} in time: '${answer.decision}' decided by the approval policy`, 'warn', { approval_id: answer.approvalId, decision: answer.decision });
      }
      return answer;
    },
  };
}

/** What an approval node waits for: a cancel first, then the answer, and the question's timeout if it has one. */
export function answerOrTimeout(job: JobInput, approvalId: string, stage: ApprovalStage, options: ApprovalDecision[], decideAt: number | null, cancellable = true): Waiting {
  const key = inboxKeys.approval(approvalId);
  const timedOut: TimedOutAnswer = { approvalId, jobId: job.jobId, decision: APPROVAL_TIMEOUT_DECISIONS[stage], answeredBy: 'policy', comment: 'no answer before the question timed out', timedOut: true };
  return {
    waitFor: cancellable ? [inboxKeys.cancel, key] : [key],
    approvalOptions: { [key]: options },
    ...(decideAt === null ? {} : { deadline: { at: decideAt * 1000, key, value: timedOut } }),
  };
}

/** How the event that asks a question says what happens when nobody answers. */
export function unanswered(stage: ApprovalStage, decideAt: number | null): string {
  return decideAt === null ? 'it waits for an answer' : `decided '${APPROVAL_TIMEOUT_DECISIONS[stage]}' at ${new Date(decideAt * 1000).toISOString()} if nobody answers`;
}

export function answeredBy(answer: ApprovalAnswer): string {
  return answer.answeredBy === 'policy' ? 'the approval policy' : 'a human';
}
