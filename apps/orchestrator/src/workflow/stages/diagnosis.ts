/** Diagnosis: the debugger reads the iteration, then "apply these changes?" starts the next iteration or keeps the model. */
import { applyJobPatch, decideApproval, diagnosisRunCompletedV1, diagnosisRunRequestedV1, JobPatchError, type JobConfig, type JobPatch, type PayloadOf } from '@tuneforge/contracts';
import { cancelled, keep, keeping } from '../job-outcomes';
import { answeredBy, answerOrTimeout, unanswered } from '../job-questions';
import { inboxKeys, workflowIds } from '../job-state';
import { overdue, taskWait } from '../stage-deadlines';
import { configOf, wait, type JobNode, type StageContext } from './stage-context';

type DiagnosisResult = PayloadOf<typeof diagnosisRunCompletedV1>;

export function diagnosisNodes({ publisher, records, event, record, ask, answerOf, deadlines }: StageContext): {
  requestDiagnosis: JobNode;
  awaitDiagnosis: JobNode;
  askApply: JobNode;
  awaitApply: JobNode;
} {
  return {
    requestDiagnosis: async (state) => {
      const { job, iteration, runId, trained, evaluation, divergedAt } = state;
      const curve = await records.read(job, runId!);
      // The step that diverged sent no progress: the curve ends with it, its loss not a number.
      if (divergedAt !== null && !curve.some((point) => point.step === divergedAt)) curve.push({ step: divergedAt, loss: null, learningRate: curve.at(-1)?.learningRate ?? 0 });
      await publisher.publish(
        job,
        diagnosisRunRequestedV1,
        {
          taskId: workflowIds.diagnosisTask(job.jobId, iteration),
          jobId: job.jobId,
          iteration,
          config: configOf(state),
          tools: job.tools,
          curve,
          totalSteps: trained?.steps ?? divergedAt!,
          dataReport: state.report!,
          dataset: state.dataset!,
          evaluation,
        },
        `task/diagnosis/${iteration}`,
      );
      await event(job, `diagnosis-started-${iteration}`, `Diagnosing iteration ${iteration}`);
      return { taskRequestedAt: Date.now() };
    },
    awaitDiagnosis: async (state) => {
      const { job, iteration } = state;
      const resultKey = inboxKeys.diagnosis(workflowIds.diagnosisTask(job.jobId, iteration));
      const delivery = wait(taskWait(deadlines, state, 'diagnosis', resultKey));
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
      // A diagnosis that never came is a failed one: the job keeps the model it has.
      const late = overdue(delivery, 'diagnosis', resultKey);
      const result = late ? ({ status: 'failed', error: late.error!.message } as DiagnosisResult) : (delivery.value as DiagnosisResult);
      if (result.status === 'failed') {
        await event(job, `diagnosis-failed-${iteration}`, `Diagnosis failed (${result.error}); ${keeping(state, iteration)}`, 'error');
        await record(job, { jobId: job.jobId, iteration, stage: 'concluded', record: { decision: 'diagnosis_failed', patch: null } });
        return { outcome: keep(state), route: 'finish' };
      }
      await record(job, { jobId: job.jobId, iteration, stage: 'diagnosed', record: { findings: result.findings, explanation: result.explanation } });
      if (result.findings.length === 0) {
        await event(job, `no-findings-${iteration}`, `The debugger found nothing to change; ${keeping(state, iteration)}`);
        await record(job, { jobId: job.jobId, iteration, stage: 'concluded', record: { decision: 'no_findings', patch: null } });
        return { outcome: keep(state), route: 'finish' };
      }
      const listed = result.findings.map((f, i) => `${i + 1}. [${f.severity}] ${f.title}`).join('; ');
      await event(job, `diagnosed-${iteration}`, `Diagnosis of iteration ${iteration}: ${listed}`, 'info', { iteration, findings: result.findings });
      return { findings: result.findings, route: 'askApply' };
    },
    askApply: async (state) => {
      const { job, iteration, findings } = state;
      const config = configOf(state);
      const approvalId = workflowIds.applyApproval(job.jobId, iteration);
      const top = findings[0];
      // The config the patch applies to travels with the question: an `edit` answer is checked against it.
      const context = { iteration, remaining_iterations: config.iterations.max - iteration, findings: findings.length, top_score: top.score, top_finding: top.code, patch: top.patch, config };
      const question = `Top finding: ${top.title}. Apply "${top.patch.description}" and train iteration ${iteration + 1}? (edit: send your own config patch)`;
      const verdict = decideApproval(config.approvals.applyDiagnosis, context);
      const decideAt = await ask(job, { approvalId, stage: 'apply_diagnosis', question, options: ['approve', 'reject', 'edit'], context }, verdict, config.approvals.timeoutSeconds);
      if (verdict === 'ask') await event(job, `asked-${approvalId}`, `${question} (approval ${approvalId}; ${unanswered('apply_diagnosis', decideAt)})`, 'info', { approval_id: approvalId, decide_at: decideAt });
      return { approvalId, approvalDecideAt: decideAt };
    },
    awaitApply: async (state) => {
      const { job, iteration, approvalId, approvalDecideAt, findings } = state;
      const delivery = wait(answerOrTimeout(job, approvalId!, 'apply_diagnosis', ['approve', 'reject', 'edit'], approvalDecideAt));
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
      const answer = await answerOf(job, delivery);
      if (answer.decision === 'reject') {
        await event(job, `patch-rejected-${iteration}`, `The suggested change was rejected by ${answeredBy(answer)}; ${keeping(state, iteration)}`);
        await record(job, { jobId: job.jobId, iteration, stage: 'concluded', record: { decision: 'patch_rejected', patch: null } });
        return { outcome: keep(state), route: 'finish' };
      }
      const patch: JobPatch = answer.decision === 'edit' ? { description: answer.comment ?? 'changes given with the answer', config: answer.edits ?? {} } : findings[0].patch;
      const applied = patchedConfig(configOf(state), patch);
      if (!applied.ok) {
        await event(job, `patch-invalid-${iteration}`, `The change "${patch.description}" gives an invalid configuration: ${applied.error}; ${keeping(state, iteration)}`, 'error');
        await record(job, { jobId: job.jobId, iteration, stage: 'concluded', record: { decision: 'patch_rejected', patch } });
        return { outcome: keep(state), route: 'finish' };
      }
      await record(job, { jobId: job.jobId, iteration, stage: 'concluded', record: { decision: 'patched', patch } });
      await event(job, `patch-applied-${iteration}`, `Applying "${patch.description}" (by ${answeredBy(answer)}); starting iteration ${iteration + 1}`, 'info', { iteration: iteration + 1, patch: patch.config });
      // Data and synthesis settings change the prepared dataset; anything else trains on the same one.
      const before = configOf(state);
      const sameData = JSON.stringify([before.data, before.synthesis]) === JSON.stringify([applied.config.data, applied.config.synthesis]);
      return { iteration: iteration + 1, config: applied.config, patch, route: sameData ? 'requestTraining' : 'requestPreparation' };
    },
  };
}

function patchedConfig(config: JobConfig, patch: JobPatch): { ok: true; config: JobConfig } | { ok: false; error: string } {
  try {
    return { ok: true, config: applyJobPatch(config, patch.config) };
  } catch (error) {
    if (error instanceof JobPatchError) return { ok: false, error: error.message };
    throw error;
  }
}
