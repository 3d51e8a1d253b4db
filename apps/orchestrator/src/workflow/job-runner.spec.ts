import { DatabaseModelRecords, FilesystemArtifactStore, ModelRegistry } from '@tuneforge/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRunner } from './job-runner';
import { evaluated, inboxKeys, job, orchestratorTestDatabase, prepared, RecordingPublisher, silent, tunedName, workflowIds } from './workflow-spec-fixtures';

describe('the job workflow with fake task answers', () => {
  const database = orchestratorTestDatabase();
  let dir: string;
  let publisher: RecordingPublisher;
  let runner: JobRunner;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrator-graph-'));
    publisher = new RecordingPublisher();
    runner = await JobRunner.open(new FilesystemArtifactStore(dir), database(), publisher, silent);
  });
  afterEach(() => {
    runner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prepares, trains, asks at halfway, applies one answer once, and succeeds with the merged model', async () => {
    const id = 'ftjob-a';
    await runner.start(job(id, { trainingHalfway: 'ask' }));
    await runner.start(job(id, { trainingHalfway: 'ask' }));
    expect(publisher.of('data.preparation.requested.v1')).toHaveLength(1);
    expect(publisher.of('job.lifecycle.status-changed.v1').map((s) => s.status)).toEqual(['validating_files']);

    expect(await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id))).toBe('recorded');
    expect(await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id))).toBe('duplicate');
    const [request] = publisher.of('training.run.requested.v1');
    expect(request).toMatchObject({ runId: workflowIds.trainingRun(id), baseModel: 'models/tiny', datasets: [`jobs/${id}/dataset`] });
    expect(publisher.of('training.run.requested.v1')).toHaveLength(1);

    const runId = request.runId as string;
    await runner.deliver(id, inboxKeys.trainingHalfway(runId), { step: 5, totalSteps: 10, loss: 1.5 });
    expect(publisher.of('training.run.control.v1')).toEqual([{ runId, jobId: id, action: 'pause' }]);
    const [asked] = publisher.of('job.approval.requested.v1');
    expect(asked).toMatchObject({ stage: 'training_halfway', options: ['approve', 'reject'], autoAnswer: null, decisionOnTimeout: 'approve' });
    expect(asked.decideAt).toBe((asked.created_at as number) + 3600);
    const approvalId = asked.approvalId as string;
    expect(await runner.waiting(id)).toMatchObject({ waitFor: [inboxKeys.cancel, inboxKeys.approval(approvalId)], deadline: { at: (asked.decideAt as number) * 1000 } });

    const answer = { approvalId, jobId: id, decision: 'approve', answeredBy: 'human' };
    expect(await runner.deliver(id, inboxKeys.approval(approvalId), answer)).toBe('recorded');
    expect(await runner.deliver(id, inboxKeys.approval(approvalId), { ...answer, decision: 'reject' })).toBe('duplicate');
    expect(publisher.of('training.run.control.v1').map((c) => c.action)).toEqual(['pause', 'resume']);

    await runner.deliver(id, inboxKeys.trainingCompleted(runId), { runId, jobId: id, status: 'succeeded', steps: 10, finalLoss: 0.4, artifacts: { adapter: 'a', merged: 'm' } });
    await runner.deliver(id, inboxKeys.trainingCompleted(runId), { runId, jobId: id, status: 'succeeded', steps: 10, finalLoss: 0.4, artifacts: { adapter: 'a', merged: 'm' } });
    const statuses = publisher.of('job.lifecycle.status-changed.v1');
    expect(statuses.map((s) => s.status)).toEqual(['validating_files', 'queued', 'running', 'succeeded']);
    expect(statuses.at(-1)).toMatchObject({ fine_tuned_model: tunedName(id), result_files: ['m', 'a'], error: null });
    // The name is registered: it resolves to the merged model and its adapter.
    expect(await new ModelRegistry(new FilesystemArtifactStore(dir).forTenant('t1'), 't1', new DatabaseModelRecords(database())).resolve(tunedName(id))).toMatchObject({ kind: 'fine-tuned', artifact: 'm', adapter: 'a', jobId: id });
    expect(await runner.waiting(id)).toBeNull();
    expect(await runner.resumeAll()).toEqual([]);
    // Evaluation is off for this job: no task goes to the evaluator or the debugger.
    expect(new Set(publisher.sent.map((s) => s.topic.split('.')[0]))).toEqual(new Set(['job', 'data', 'training']));
  });

  it('evaluates, diagnoses when not satisfied, applies the approved patch in a second iteration, and stops at the threshold', async () => {
    const id = 'ftjob-loop';
    const threshold = { approveIf: { tool_selection_accuracy: { atLeast: 0.9 } }, otherwise: 'reject' as const };
    await runner.start(job(id, { trainingHalfway: 'approve', afterEvaluation: threshold, applyDiagnosis: 'ask' }, true));
    await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id));
    const run1 = workflowIds.trainingRun(id, 1);
    for (const step of [1, 2, 3]) await runner.recordCurvePoint(id, run1, { step, loss: 3 - step * 0.1, learningRate: 1e-4 });
    await runner.recordValidationLoss(id, run1, 2, 2.9);
    await runner.deliver(id, inboxKeys.trainingCompleted(run1), { runId: run1, jobId: id, status: 'succeeded', steps: 3, finalLoss: 2.7, trainedTokens: 1000, artifacts: { merged: 'm1' } });
    const [evalRequest] = publisher.of('evaluation.run.requested.v1');
    expect(evalRequest).toMatchObject({ iteration: 1, baseModel: 'models/tiny', tunedModel: 'm1', dataset: `jobs/${id}/dataset` });

    await runner.deliver(id, inboxKeys.evaluation(workflowIds.evaluationTask(id, 1)), evaluated(id, 1, 0.2));
    const satisfied = publisher.of('job.approval.requested.v1').find((a) => a.stage === 'after_evaluation')!;
    expect(satisfied).toMatchObject({ autoAnswer: 'reject', context: expect.objectContaining({ tool_selection_accuracy: 0.2, base_tool_selection_accuracy: 0.1 }) });
    await runner.deliver(id, inboxKeys.approval(satisfied.approvalId as string), { approvalId: satisfied.approvalId, jobId: id, decision: 'reject', answeredBy: 'policy' });

    const [diagnosis] = publisher.of('diagnosis.run.requested.v1');
    expect(diagnosis).toMatchObject({ iteration: 1, totalSteps: 3, evaluation: { report: `jobs/${id}/eval-1` } });
    expect((diagnosis.curve as Array<{ step: number }>).map((p) => p.step)).toEqual([1, 2, 3]);
    expect((diagnosis.curve as Array<{ validationLoss?: number }>)[1]).toMatchObject({ step: 2, validationLoss: 2.9 });
    const patch = { description: 'train longer', config: { training: { epochs: 9 } } };
    const finding = { code: 'underfitting', severity: 'high', score: 5, title: 'Loss barely fell', evidence: { drop: 0.1 }, patch };
    await runner.deliver(id, inboxKeys.diagnosis(workflowIds.diagnosisTask(id, 1)), { taskId: workflowIds.diagnosisTask(id, 1), jobId: id, iteration: 1, status: 'succeeded', findings: [finding], explanation: null });
    const apply = publisher.of('job.approval.requested.v1').find((a) => a.stage === 'apply_diagnosis')!;
    expect(apply).toMatchObject({ options: ['approve', 'reject', 'edit'], autoAnswer: null });
    await runner.deliver(id, inboxKeys.approval(apply.approvalId as string), { approvalId: apply.approvalId, jobId: id, decision: 'approve', answeredBy: 'human' });

    // Only the training settings changed: the second iteration trains on the same prepared data.
    expect(publisher.of('data.preparation.requested.v1')).toHaveLength(1);
    const requests = publisher.of('training.run.requested.v1');
    expect(requests).toHaveLength(2);
    const run2 = workflowIds.trainingRun(id, 2);
    expect(requests[1]).toMatchObject({ runId: run2, training: expect.objectContaining({ epochs: 9 }) });
    await runner.deliver(id, inboxKeys.trainingCompleted(run2), { runId: run2, jobId: id, status: 'succeeded', steps: 27, finalLoss: 0.3, trainedTokens: 5000, artifacts: { merged: 'm2' } });
    await runner.deliver(id, inboxKeys.evaluation(workflowIds.evaluationTask(id, 2)), evaluated(id, 2, 0.95));
    const second = publisher.of('job.approval.requested.v1').filter((a) => a.stage === 'after_evaluation')[1];
    expect(second).toMatchObject({ autoAnswer: 'approve' });
    await runner.deliver(id, inboxKeys.approval(second.approvalId as string), { approvalId: second.approvalId, jobId: id, decision: 'approve', answeredBy: 'policy' });

    expect(publisher.of('job.lifecycle.status-changed.v1').at(-1)).toMatchObject({ status: 'succeeded', fine_tuned_model: tunedName(id), result_files: ['m2', `jobs/${id}/eval-2`], trained_tokens: 6000 });
    // The job's name stands for the last iteration's model.
    expect(await new ModelRegistry(new FilesystemArtifactStore(dir).forTenant('t1'), 't1', new DatabaseModelRecords(database())).resolve(tunedName(id))).toMatchObject({ artifact: 'm2' });
    const iterations = publisher.of('job.iteration.recorded.v1').map((r) => `${r.iteration}:${r.stage}`);
    expect(iterations).toEqual(['1:trained', '1:evaluated', '1:diagnosed', '1:concluded', '2:trained', '2:evaluated', '2:concluded']);
    expect(publisher.of('job.iteration.recorded.v1')[3]).toMatchObject({ record: { decision: 'patched', patch } });
  });

  it('diagnoses a run that diverged instead of failing the job, and trains again with the approved patch', async () => {
    const id = 'ftjob-nan';
    await runner.start(job(id, { trainingHalfway: 'approve', afterEvaluation: 'approve', applyDiagnosis: 'approve' }, true));
    await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id));
    const run1 = workflowIds.trainingRun(id, 1);
    for (const step of [1, 2]) await runner.recordCurvePoint(id, run1, { step, loss: 2 + step * 40, learningRate: 0.5 });
    await runner.deliver(id, inboxKeys.trainingCompleted(run1), { runId: run1, jobId: id, status: 'failed', step: 3, error: 'the training loss became NaN at step 3: the run diverged', diverged: true });
    expect(publisher.of('evaluation.run.requested.v1')).toEqual([]);
    const [diagnosis] = publisher.of('diagnosis.run.requested.v1');
    expect(diagnosis).toMatchObject({ totalSteps: 3, evaluation: null });
    expect((diagnosis.curve as unknown[]).at(-1)).toEqual({ step: 3, loss: null, learningRate: 0.5 });
    const finding = { code: 'non_finite_loss', severity: 'critical', score: 9, title: 'The loss became NaN', evidence: {}, patch: { description: 'lower the learning rate', config: { training: { learningRate: 0.00005 } } } };
    await runner.deliver(id, inboxKeys.diagnosis(workflowIds.diagnosisTask(id, 1)), { taskId: workflowIds.diagnosisTask(id, 1), jobId: id, iteration: 1, status: 'succeeded', findings: [finding], explanation: null });
    const apply = publisher.of('job.approval.requested.v1').find((a) => a.stage === 'apply_diagnosis')!;
    await runner.deliver(id, inboxKeys.approval(apply.approvalId as string), { approvalId: apply.approvalId, jobId: id, decision: 'approve', answeredBy: 'policy' });
    expect(publisher.of('training.run.requested.v1')[1]).toMatchObject({ runId: workflowIds.trainingRun(id, 2), training: expect.objectContaining({ learningRate: 0.00005 }) });
    expect(publisher.of('job.lifecycle.status-changed.v1').map((s) => s.status)).not.toContain('failed');

    // Without iterations left, a diverged run fails the job with its error.
    const id2 = 'ftjob-nan-last';
    const base = job(id2, { trainingHalfway: 'approve' }, true);
    await runner.start({ ...base, config: { ...base.config, iterations: { max: 1 } } });
    await runner.deliver(id2, inboxKeys.preparation(workflowIds.preparationTask(id2)), prepared(id2));
    const run = workflowIds.trainingRun(id2, 1);
    await runner.deliver(id2, inboxKeys.trainingCompleted(run), { runId: run, jobId: id2, status: 'failed', step: 3, error: 'the training loss became NaN at step 3: the run diverged', diverged: true });
    expect(publisher.of('job.lifecycle.status-changed.v1').at(-1)).toMatchObject({ jobId: id2, status: 'failed', error: { code: 'training_failed', message: expect.stringContaining('diverged') } });
  });

  it('keeps the last model when the iteration budget is spent, and refuses a patch that breaks the config', async () => {
    const id = 'ftjob-budget';
    const base = job(id, { trainingHalfway: 'approve', afterEvaluation: 'reject', applyDiagnosis: 'ask' }, true);
    await runner.start({ ...base, config: { ...base.config, iterations: { max: 1 } } });
    await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id));
    const run1 = workflowIds.trainingRun(id, 1);
    await runner.deliver(id, inboxKeys.trainingCompleted(run1), { runId: run1, jobId: id, status: 'succeeded', steps: 3, finalLoss: 2.7, artifacts: { merged: 'm1' } });
    await runner.deliver(id, inboxKeys.evaluation(workflowIds.evaluationTask(id, 1)), evaluated(id, 1, 0.2));
    const satisfied = publisher.of('job.approval.requested.v1').find((a) => a.stage === 'after_evaluation')!;
    await runner.deliver(id, inboxKeys.approval(satisfied.approvalId as string), { approvalId: satisfied.approvalId, jobId: id, decision: 'reject', answeredBy: 'policy' });
    expect(publisher.of('diagnosis.run.requested.v1')).toEqual([]);
    expect(publisher.of('job.lifecycle.status-changed.v1').at(-1)).toMatchObject({ status: 'succeeded', fine_tuned_model: tunedName(id), result_files: ['m1', `jobs/${id}/eval-1`] });

    const id2 = 'ftjob-badpatch';
    await runner.start(job(id2, { trainingHalfway: 'approve', afterEvaluation: 'reject', applyDiagnosis: 'ask' }, true));
    await runner.deliver(id2, inboxKeys.preparation(workflowIds.preparationTask(id2)), prepared(id2));
    const run = workflowIds.trainingRun(id2, 1);
    await runner.deliver(id2, inboxKeys.trainingCompleted(run), { runId: run, jobId: id2, status: 'succeeded', steps: 3, finalLoss: 2.7, artifacts: { merged: 'm1' } });
    await runner.deliver(id2, inboxKeys.evaluation(workflowIds.evaluationTask(id2, 1)), evaluated(id2, 1, 0.2));
    const asked = publisher.of('job.approval.requested.v1').filter((a) => a.jobId === id2 && a.stage === 'after_evaluation')[0];
    await runner.deliver(id2, inboxKeys.approval(asked.approvalId as string), { approvalId: asked.approvalId, jobId: id2, decision: 'reject', answeredBy: 'policy' });
    const finding = { code: 'underfitting', severity: 'high', score: 5, title: 'Loss barely fell', evidence: {}, patch: { description: 'x', config: { training: { epochs: 9 } } } };
    await runner.deliver(id2, inboxKeys.diagnosis(workflowIds.diagnosisTask(id2, 1)), { taskId: workflowIds.diagnosisTask(id2, 1), jobId: id2, iteration: 1, status: 'succeeded', findings: [finding], explanation: null });
    const apply = publisher.of('job.approval.requested.v1').find((a) => a.jobId === id2 && a.stage === 'apply_diagnosis')!;
    await runner.deliver(id2, inboxKeys.approval(apply.approvalId as string), { approvalId: apply.approvalId, jobId: id2, decision: 'edit', answeredBy: 'human', edits: { training: { epochs: -1 } } });
    const invalid = publisher.of('job.lifecycle.event.v1').find((e) => e.jobId === id2 && String(e.message).includes('invalid configuration'));
    expect(invalid).toMatchObject({ level: 'error', message: expect.stringContaining('training.epochs') });
    expect(publisher.of('training.run.requested.v1').filter((r) => r.jobId === id2)).toHaveLength(1);
    expect(publisher.of('job.lifecycle.status-changed.v1').at(-1)).toMatchObject({ status: 'succeeded', fine_tuned_model: tunedName(id2), result_files: ['m1', `jobs/${id2}/eval-1`] });
  });

  it('lets the approval policy answer at once, and cancels the run when it rejects', async () => {
    const id = 'ftjob-b';
    await runner.start(job(id, { trainingHalfway: 'reject' }));
    await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id));
    const runId = workflowIds.trainingRun(id);
    await runner.deliver(id, inboxKeys.trainingHalfway(runId), { step: 2, totalSteps: 4, loss: 1 });
    expect(publisher.of('job.approval.requested.v1')[0]).toMatchObject({ autoAnswer: 'reject' });
    const [answer] = publisher.of('job.approval.answered.v1');
    expect(answer).toMatchObject({ decision: 'reject', answeredBy: 'policy' });
    // The policy's answer comes back over the bus like a human's.
    await runner.deliver(id, inboxKeys.approval(answer.approvalId as string), answer);
    expect(publisher.of('training.run.control.v1').map((c) => c.action)).toEqual(['cancel']);
    await runner.deliver(id, inboxKeys.trainingCompleted(runId), { runId, jobId: id, status: 'cancelled', step: 3 });
    expect(publisher.of('job.lifecycle.status-changed.v1').at(-1)).toMatchObject({ status: 'cancelled' });
  });

  it('indexes knowledge documents first, then prepares data augmented from the index and gives the evaluator the index', async () => {
    const id = 'ftjob-docs';
    const base = job(id, { trainingHalfway: 'approve', afterEvaluation: 'approve' }, true);
    await runner.start({ ...base, files: { ...base.files, documents: ['files/doc-1/content', 'files/doc-2/content'] } });
    expect(publisher.of('data.preparation.requested.v1')).toEqual([]);
    const [indexRequest] = publisher.of('retrieval.index.requested.v1');
    expect(indexRequest).toMatchObject({ taskId: workflowIds.retrievalTask(id), documents: [{ key: 'files/doc-1/content' }, { key: 'files/doc-2/content' }] });
    const counts = { documents: 2, indexedDocuments: 1, failedDocuments: 1, passages: 7 };
    const error = { code: 'invalid_html', document: 'files/doc-2/content', field: '', expected: 'readable HTML' };
    await runner.deliver(id, inboxKeys.retrieval(workflowIds.retrievalTask(id)), { taskId: workflowIds.retrievalTask(id), jobId: id, status: 'succeeded', index: `jobs/${id}/retrieval/index`, counts, documents: [], errors: [error], errorCount: 1 });
    expect(publisher.of('data.preparation.requested.v1')[0]).toMatchObject({ retrieval: { index: `jobs/${id}/retrieval/index`, k: 3, placement: 'system' } });
    expect(publisher.of('job.lifecycle.event.v1').find((e) => e.level === 'warn')).toMatchObject({ message: expect.stringContaining('invalid_html in files/doc-2/content') });
    await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id));
    const run = workflowIds.trainingRun(id, 1);
    await runner.deliver(id, inboxKeys.trainingCompleted(run), { runId: run, jobId: id, status: 'succeeded', steps: 3, finalLoss: 1, artifacts: { merged: 'm1' } });
    expect(publisher.of('evaluation.run.requested.v1')[0]).toMatchObject({ retrievalIndex: `jobs/${id}/retrieval/index` });
  });

  it('fails a job none of whose documents can be indexed, naming the request field', async () => {
    const id = 'ftjob-nodocs';
    const base = job(id);
    await runner.start({ ...base, files: { ...base.files, documents: ['files/doc-9/content'] } });
    const error = { code: 'unreadable', document: 'files/doc-9/content', line: 4, field: 'text', expected: 'a string' };
    await runner.deliver(id, inboxKeys.retrieval(workflowIds.retrievalTask(id)), { taskId: workflowIds.retrievalTask(id), jobId: id, status: 'failed', counts: { documents: 1, indexedDocuments: 0, failedDocuments: 1, passages: 0 }, errors: [error], errorCount: 1 });
    const last = publisher.of('job.lifecycle.status-changed.v1').at(-1)!;
    expect(last).toMatchObject({ status: 'failed', error: { code: 'invalid_retrieval_documents', param: 'tuneforge.retrieval_documents' } });
    expect((last.error as { message: string }).message).toContain('files/doc-9/content, line 4');
    expect(publisher.of('data.preparation.requested.v1')).toEqual([]);
  });

  it('fails the job with the first data error naming file, line and field', async () => {
    const id = 'ftjob-c';
    await runner.start(job(id));
    await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), {
      taskId: workflowIds.preparationTask(id),
      jobId: id,
      status: 'failed',
      errors: [{ code: 'invalid_record', file: 'files/train.jsonl', line: 3, field: 'messages[0].role', expected: 'a role' }],
      errorCount: 1,
    });
    const last = publisher.of('job.lifecycle.status-changed.v1').at(-1)!;
    expect(last).toMatchObject({ status: 'failed', error: { code: 'invalid_training_file', param: 'training_file' } });
    expect((last.error as { message: string }).message).toContain('files/train.jsonl, line 3, messages[0].role');
    expect(publisher.of('training.run.requested.v1')).toEqual([]);
  });

  it('a new runner over the same database resumes a waiting job with what arrived while it was down', async () => {
    const id = 'ftjob-d';
    await runner.start(job(id));
    const taskKey = inboxKeys.preparation(workflowIds.preparationTask(id));
    const restartedPublisher = new RecordingPublisher();
    const restarted = await JobRunner.open(new FilesystemArtifactStore(dir), database(), restartedPublisher, silent);
    expect(await restarted.resumeAll()).toEqual([id]);
    expect(restartedPublisher.sent).toEqual([]);
    await restarted.deliver(id, taskKey, prepared(id));
    expect(restartedPublisher.of('training.run.requested.v1')).toHaveLength(1);
    expect(restartedPublisher.of('data.preparation.requested.v1')).toEqual([]);
    expect(await restarted.waiting(id)).toMatchObject({ waitFor: expect.arrayContaining([inboxKeys.trainingHalfway(workflowIds.trainingRun(id))]) });
  });

  it('cancels while waiting for data preparation', async () => {
    const id = 'ftjob-e';
    await runner.start(job(id));
    await runner.deliver(id, inboxKeys.cancel, {});
    expect(publisher.of('job.lifecycle.status-changed.v1').at(-1)).toMatchObject({ status: 'cancelled' });
  });
});
