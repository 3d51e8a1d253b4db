import type { JobConfig } from '@tuneforge/contracts';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRunner } from './job-runner';
import { evaluated, inboxKeys, job, orchestratorTestDatabase, prepared, RecordingPublisher, silent, workflowIds } from './workflow-spec-fixtures';

describe('a cancel wins at every stage, once', () => {
  const database = orchestratorTestDatabase();
  let dir: string;
  let publisher: RecordingPublisher;
  let runner: JobRunner;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrator-cancel-'));
    publisher = new RecordingPublisher();
    runner = await JobRunner.open(new FilesystemArtifactStore(dir), database(), publisher, silent);
  });
  afterEach(() => {
    runner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const statuses = (id: string) => publisher.of('job.lifecycle.status-changed.v1').filter((s) => s.jobId === id).map((s) => s.status);
  const cancelledOnce = (id: string) => {
    expect(statuses(id).filter((s) => s === 'cancelled')).toHaveLength(1);
    expect(statuses(id).at(-1)).toBe('cancelled');
    expect(statuses(id)).not.toContain('succeeded');
  };
  const cancel = (id: string) => runner.deliver(id, inboxKeys.cancel, { requestedBy: 'test' });
  const trained = (id: string) => ({ runId: workflowIds.trainingRun(id), jobId: id, status: 'succeeded', steps: 4, finalLoss: 0.5, artifacts: { merged: 'm' } });
  /** A job with evaluation on, answered by the policy, up to the stage where the test cancels it. */
  async function evaluatedJob(id: string, approvals: Partial<JobConfig['approvals']>) {
    await runner.start(job(id, { trainingHalfway: 'approve', ...approvals }, true));
    await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id));
    await runner.deliver(id, inboxKeys.trainingCompleted(workflowIds.trainingRun(id)), trained(id));
  }

  it('sent before the job was created (the create message came second): no task is ever sent', async () => {
    const id = 'ftjob-early';
    await cancel(id);
    await runner.start(job(id));
    cancelledOnce(id);
    expect(statuses(id)).toEqual(['cancelled']);
    expect(publisher.of('data.preparation.requested.v1')).toEqual([]);
    expect(publisher.of('training.run.requested.v1')).toEqual([]);
    expect(await runner.resumeAll()).toEqual([]);
  });

  it('while the knowledge documents are indexed (validating_files)', async () => {
    const id = 'ftjob-cancel-docs';
    const base = job(id);
    await runner.start({ ...base, files: { ...base.files, documents: ['files/doc-1/content'] } });
    await cancel(id);
    cancelledOnce(id);
    expect(publisher.of('data.preparation.requested.v1')).toEqual([]);
  });

  it('while training is queued or running: the run is stopped, and a run that finished anyway keeps no model', async () => {
    const id = 'ftjob-cancel-train';
    await runner.start(job(id));
    await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id));
    expect(statuses(id)).toEqual(['validating_files', 'queued', 'running']);
    await cancel(id);
    await cancel(id);
    expect(publisher.of('training.run.control.v1')).toEqual([{ runId: workflowIds.trainingRun(id), jobId: id, action: 'cancel' }]);
    // The run reached its end before the cancel reached the pod: the job is cancelled all the same.
    await runner.deliver(id, inboxKeys.trainingCompleted(workflowIds.trainingRun(id)), trained(id));
    cancelledOnce(id);
    expect(publisher.of('job.lifecycle.status-changed.v1').at(-1)).toMatchObject({ fine_tuned_model: null });
  });

  it('while a human is asked at halfway (the paused run is cancelled)', async () => {
    const id = 'ftjob-cancel-halfway';
    await runner.start(job(id, { trainingHalfway: 'ask' }));
    await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id));
    await runner.deliver(id, inboxKeys.trainingHalfway(workflowIds.trainingRun(id)), { step: 2, totalSteps: 4, loss: 1 });
    await cancel(id);
    expect(publisher.of('training.run.control.v1').map((c) => c.action)).toEqual(['pause', 'cancel']);
    await runner.deliver(id, inboxKeys.trainingCompleted(workflowIds.trainingRun(id)), { runId: workflowIds.trainingRun(id), jobId: id, status: 'cancelled', step: 2 });
    cancelledOnce(id);
  });

  it('while the model is evaluated, while a human judges it, while it is diagnosed, and while a human decides on the change', async () => {
    await evaluatedJob('ftjob-cancel-eval', {});
    await cancel('ftjob-cancel-eval');
    cancelledOnce('ftjob-cancel-eval');

    await evaluatedJob('ftjob-cancel-judge', { afterEvaluation: 'ask' });
    await runner.deliver('ftjob-cancel-judge', inboxKeys.evaluation(workflowIds.evaluationTask('ftjob-cancel-judge', 1)), evaluated('ftjob-cancel-judge', 1, 0.2));
    expect(await runner.waiting('ftjob-cancel-judge')).toMatchObject({ waitFor: [inboxKeys.cancel, expect.stringContaining('approval/')] });
    await cancel('ftjob-cancel-judge');
    cancelledOnce('ftjob-cancel-judge');

    await evaluatedJob('ftjob-cancel-diag', { afterEvaluation: 'reject' });
    await runner.deliver('ftjob-cancel-diag', inboxKeys.evaluation(workflowIds.evaluationTask('ftjob-cancel-diag', 1)), evaluated('ftjob-cancel-diag', 1, 0.2));
    const judged = publisher.of('job.approval.answered.v1').find((a) => a.jobId === 'ftjob-cancel-diag')!;
    await runner.deliver('ftjob-cancel-diag', inboxKeys.approval(judged.approvalId as string), judged);
    expect(publisher.of('diagnosis.run.requested.v1').filter((d) => d.jobId === 'ftjob-cancel-diag')).toHaveLength(1);
    await cancel('ftjob-cancel-diag');
    cancelledOnce('ftjob-cancel-diag');

    const id = 'ftjob-cancel-apply';
    await evaluatedJob(id, { afterEvaluation: 'reject', applyDiagnosis: 'ask' });
    await runner.deliver(id, inboxKeys.evaluation(workflowIds.evaluationTask(id, 1)), evaluated(id, 1, 0.2));
    const answer = publisher.of('job.approval.answered.v1').find((a) => a.jobId === id)!;
    await runner.deliver(id, inboxKeys.approval(answer.approvalId as string), answer);
    const finding = { code: 'underfitting', severity: 'high', score: 5, title: 'Loss barely fell', evidence: {}, patch: { description: 'x', config: { training: { epochs: 9 } } } };
    await runner.deliver(id, inboxKeys.diagnosis(workflowIds.diagnosisTask(id, 1)), { taskId: workflowIds.diagnosisTask(id, 1), jobId: id, iteration: 1, status: 'succeeded', findings: [finding], explanation: null });
    await cancel(id);
    cancelledOnce(id);
    expect(publisher.of('training.run.requested.v1').filter((r) => r.jobId === id)).toHaveLength(1);
  });
});
