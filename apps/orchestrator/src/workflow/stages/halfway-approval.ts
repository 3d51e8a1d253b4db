/** The halfway approval: "continue?" when the run is half done; a policy answers at once, a human's turn pauses the run. */
import { decideApproval } from '@tuneforge/contracts';
import { answeredBy, answerOrTimeout, unanswered } from '../job-questions';
import { inboxKeys, workflowIds } from '../job-state';
import { configOf, wait, type JobNode, type StageContext } from './stage-context';

export function halfwayApprovalNodes({ event, control, ask, answerOf }: StageContext): { askHalfway: JobNode; awaitApproval: JobNode } {
  return {
    askHalfway: async (state) => {
      const { job, runId, halfway } = state;
      const approvalId = workflowIds.halfwayApproval(job.jobId, runId!);
      const approvals = configOf(state).approvals;
      const verdict = decideApproval(approvals.trainingHalfway, { ...halfway! });
      if (verdict === 'ask') await control(job, runId!, 'pause', `halfway-pause-${runId}`);
      const decideAt = await ask(
        job,
        {
          approvalId,
          stage: 'training_halfway',
          question: `Training reached step ${halfway!.step} of ${halfway!.totalSteps} (loss ${halfway!.loss.toFixed(4)}). Continue?`,
          options: ['approve', 'reject'],
          context: { ...halfway! },
        },
        verdict,
        approvals.timeoutSeconds,
      );
      if (verdict === 'ask') {
        const message = `Training paused at step ${halfway!.step} of ${halfway!.totalSteps}: continue? (approval ${approvalId}; ${unanswered('training_halfway', decideAt)})`;
        await event(job, `halfway-asked-${runId}`, message, 'info', { approval_id: approvalId, decide_at: decideAt });
      }
      return { halfwayAsked: true, approvalId, approvalDecideAt: decideAt, pausedForApproval: verdict === 'ask' };
    },
    awaitApproval: async ({ job, runId, approvalId, approvalDecideAt, cancelRequested, pausedForApproval }) => {
      const delivery = wait(answerOrTimeout(job, approvalId!, 'training_halfway', ['approve', 'reject'], approvalDecideAt, !cancelRequested));
      if (delivery.key === inboxKeys.cancel) return { cancelRequested: true, route: 'cancelTraining' };
      const answer = await answerOf(job, delivery);
      const by = answeredBy(answer);
      if (answer.decision === 'reject') {
        await event(job, `halfway-rejected-${runId}`, `Continuing was rejected by ${by}; cancelling training`, 'warn');
        return { cancelRequested: true, route: 'cancelTraining' };
      }
      await event(job, `halfway-approved-${runId}`, `Continuing was approved by ${by}`);
      if (pausedForApproval) await control(job, runId!, 'resume', `halfway-resume-${runId}`);
      return { route: 'awaitTraining' };
    },
  };
}
