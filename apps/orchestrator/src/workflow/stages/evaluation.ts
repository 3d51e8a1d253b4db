/** Evaluation: the evaluator compares the base and the fine-tuned model, then "satisfactory?" keeps the model or diagnoses. */
import { decideApproval, dpoConfigOf, evaluationRunCompletedV1, resolveGrpoConfig, evaluationRunRequestedV1, type PayloadOf } from '@tuneforge/contracts';
import { describeMetrics, metricContext } from '../evaluation-context';
import { cancelled, failed, keep, keeping } from '../job-outcomes';
import { answeredBy, answerOrTimeout, unanswered } from '../job-questions';
import { inboxKeys, workflowIds } from '../job-state';
import { overdue, taskWait } from '../stage-deadlines';
import { configOf, wait, type JobNode, type StageContext } from './stage-context';

type EvaluationResult = PayloadOf<typeof evaluationRunCompletedV1>;

/** A reinforcement job's evaluation: its grader, and the episode limits and pass threshold its training used. */
function reinforcementEvaluationOf(training: ReturnType<typeof configOf>['training'], rollouts: string | undefined) {
  const grpo = resolveGrpoConfig(training.grpo, training.reinforcement!.computeMultiplier);
  return { grader: training.reinforcement!.grader, maxTurns: grpo.maxTurns, maxNewTokens: grpo.maxNewTokens, passThreshold: grpo.passThreshold, ...(rollouts ? { rollouts } : {}) };
}

export function evaluationNodes({ publisher, records, event, record, ask, answerOf, deadlines }: StageContext): {
  requestEvaluation: JobNode;
  awaitEvaluation: JobNode;
  askSatisfied: JobNode;
  awaitSatisfied: JobNode;
} {
  return {
    requestEvaluation: async (state) => {
      const { job, iteration, trained, dataset, runId } = state;
      const config = configOf(state);
      const curve = await records.read(job, runId!);
      await publisher.publish(
        job,
        evaluationRunRequestedV1,
        {
          taskId: workflowIds.evaluationTask(job.jobId, iteration),
          jobId: job.jobId,
          iteration,
          baseModel: job.model,
          tunedModel: trained!.model,
          dataset: dataset!,
          ...(job.files.evaluation ? { evaluationFile: job.files.evaluation } : {}),
          tools: job.tools,
          toolFixtures: job.toolFixtures ?? [],
          ...(state.retrievalIndex ? { retrievalIndex: state.retrievalIndex } : {}),
          taskDescription: job.taskDescription,
          settings: config.evaluation,
          maxSequenceLength: config.data.maxSequenceLength,
          maxExamples: config.evaluation.maxExamples,
          ...(config.training.objective === 'dpo' ? { preference: { beta: dpoConfigOf(config.training).beta } } : {}),
          ...(config.training.objective === 'reinforcement' && config.training.reinforcement ? { reinforcement: reinforcementEvaluationOf(config.training, trained!.rollouts) } : {}),
          curve,
        },
        `task/evaluation/${iteration}`,
      );
      await event(job, `evaluation-started-${iteration}`, `Evaluating the base and the fine-tuned model (iteration ${iteration})`);
      return { taskRequestedAt: Date.now() };
    },
    awaitEvaluation: async (state) => {
      const { job, iteration, trained } = state;
      const resultKey = inboxKeys.evaluation(workflowIds.evaluationTask(job.jobId, iteration));
      const delivery = wait(taskWait(deadlines, state, 'evaluation', resultKey));
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
      const late = overdue(delivery, 'evaluation', resultKey);
      if (late) return { outcome: late, route: 'finish' };
      const result = delivery.value as EvaluationResult;
      if (result.status === 'failed') return { outcome: failed('evaluation_failed', `Evaluation failed: ${result.error}`, null), route: 'finish' };
      const evaluation = { summary: result.summary, report: result.report };
      await event(job, `evaluation-completed-${iteration}`, `Evaluation (iteration ${iteration}): ${describeMetrics(result.summary)}`, 'info', {
        iteration,
        base: result.summary.base.metrics,
        tuned: result.summary.tuned.metrics,
        report: result.report,
      });
      await record(job, { jobId: job.jobId, iteration, stage: 'evaluated', record: evaluation });
      return { evaluation, trained, route: 'askSatisfied' };
    },
    askSatisfied: async (state) => {
      const { job, iteration, evaluation } = state;
      const approvalId = workflowIds.satisfiedApproval(job.jobId, iteration);
      const context = metricContext(evaluation!.summary, iteration);
      const approvals = configOf(state).approvals;
      const question = `Iteration ${iteration} evaluated: ${describeMetrics(evaluation!.summary)}. Is the model satisfactory? (approve: keep it; reject: diagnose and iterate)`;
      const verdict = decideApproval(approvals.afterEvaluation, context);
      const decideAt = await ask(job, { approvalId, stage: 'after_evaluation', question, options: ['approve', 'reject'], context }, verdict, approvals.timeoutSeconds);
      if (verdict === 'ask') await event(job, `asked-${approvalId}`, `${question} (approval ${approvalId}; ${unanswered('after_evaluation', decideAt)})`, 'info', { approval_id: approvalId, decide_at: decideAt });
      return { approvalId, approvalDecideAt: decideAt };
    },
    awaitSatisfied: async (state) => {
      const { job, iteration, approvalId, approvalDecideAt } = state;
      const delivery = wait(answerOrTimeout(job, approvalId!, 'after_evaluation', ['approve', 'reject'], approvalDecideAt));
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
      const answer = await answerOf(job, delivery);
      if (answer.decision === 'approve') {
        await event(job, `satisfied-${iteration}`, `The model of iteration ${iteration} was accepted by ${answeredBy(answer)}`);
        await record(job, { jobId: job.jobId, iteration, stage: 'concluded', record: { decision: 'accepted', patch: null } });
        return { outcome: keep(state), route: 'finish' };
      }
      if (iteration >= configOf(state).iterations.max) {
        await event(job, `budget-exhausted-${iteration}`, `Not satisfactory, but the iteration budget (${iteration}) is spent: ${keeping(state, iteration)}`, 'warn');
        await record(job, { jobId: job.jobId, iteration, stage: 'concluded', record: { decision: 'budget_exhausted', patch: null } });
        return { outcome: keep(state), route: 'finish' };
      }
      return { route: 'requestDiagnosis' };
    },
  };
}
