import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { END, interrupt, START, StateGraph } from '@langchain/langgraph';
import {
  applyJobPatch,
  JobPatchError,
  dataPreparationCompletedV1,
  diagnosisRunCompletedV1,
  diagnosisRunRequestedV1,
  evaluationRunCompletedV1,
  evaluationRunRequestedV1,
  jobIterationRecordedV1,
  retrievalIndexCompletedV1,
  retrievalIndexRequestedV1,
  dataPreparationRequestedV1,
  jobApprovalAnsweredV1,
  jobApprovalRequestedV1,
  jobLifecycleEventV1,
  jobLifecycleStatusChangedV1,
  trainingRunCompletedV1,
  trainingRunControlV1,
  trainingRunRequestedV1,
  decideApproval,
  APPROVAL_TIMEOUT_DECISIONS,
  type ApprovalDecision,
  type JobPatch,
  type JobConfig,
  type JobStatus,
  type PayloadOf,
  type TrainingControlAction,
} from '@tuneforge/contracts';
import { describeMetrics, metricContext } from './evaluation-context';
import { cancelled, failed, type Outcome } from './job-outcomes';
import {
  inboxKeys,
  JobState,
  workflowIds,
  type CurveSource,
  type Delivery,
  type HalfwayReport,
  type InboxReader,
  type JobInput,
  type TrainedModel,
  type Waiting,
  type WorkflowPublisher,
} from './job-state';

export * from './job-state';

type PreparationResult = PayloadOf<typeof dataPreparationCompletedV1>;
type TrainingResult = PayloadOf<typeof trainingRunCompletedV1>;
type ApprovalAnswer = PayloadOf<typeof jobApprovalAnsweredV1>;
type EvaluationResult = PayloadOf<typeof evaluationRunCompletedV1>;
type DiagnosisResult = PayloadOf<typeof diagnosisRunCompletedV1>;
type RetrievalResult = PayloadOf<typeof retrievalIndexCompletedV1>;
type ApprovalStage = keyof typeof APPROVAL_TIMEOUT_DECISIONS;
/** How the runner delivers a question's timeout: the policy's answer, marked so the awaiting node says why. */
type TimedOutAnswer = ApprovalAnswer & { timedOut?: true };

/** Passages added to each training sample when the job has knowledge documents. */
const RETRIEVED_PASSAGES_PER_SAMPLE = 3;


const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Reference 001's workflow: prepare data → train (halfway approval) → evaluate → "satisfactory?" →
 * diagnose → "apply these changes?" → next iteration with the patched config, within the iteration
 * budget → finalize. Every task is sent by one node and awaited by the next, so that resuming a waiting
 * node (which runs it again from the top) never sends anything twice. Task ids derive from the job and
 * the iteration, so a node run again after a crash sends the same task.
 */
export function buildJobGraph(publisher: WorkflowPublisher, checkpointer: BaseCheckpointSaver, records: CurveSource & InboxReader) {
  const event = (job: JobInput, dedupKey: string, message: string, level: 'info' | 'warn' | 'error' = 'info', data: Record<string, unknown> | null = null) =>
    publisher.publish(job, jobLifecycleEventV1, { jobId: job.jobId, id: `${job.jobId}-${dedupKey}`, level, message, type: 'message', data, created_at: nowSeconds() }, `event/${dedupKey}`);
  const status = (job: JobInput, value: JobStatus, outcome?: Outcome) =>
    publisher.publish(
      job,
      jobLifecycleStatusChangedV1,
      {
        jobId: job.jobId,
        status: value,
        fine_tuned_model: outcome?.fineTunedModel ?? null,
        result_files: outcome?.resultFiles ?? [],
        trained_tokens: outcome?.trainedTokens ?? null,
        error: outcome?.error ?? null,
        changed_at: nowSeconds(),
      },
      `status/${value}`,
    );
  const control = (job: JobInput, runId: string, action: TrainingControlAction, dedupKey: string) =>
    publisher.publish(job, trainingRunControlV1, { runId, jobId: job.jobId, action }, `control/${dedupKey}`);
  const record = <S extends PayloadOf<typeof jobIterationRecordedV1>>(job: JobInput, payload: S) =>
    publisher.publish(job, jobIterationRecordedV1, payload, `iteration/${payload.iteration}/${payload.stage}`);
  /**
   * Asks a question, answered at once when the policy decides from the context's numbers. A question left to
   * a human is decided at the returned time (Unix seconds) when nobody answers by then (null: no limit).
   */
  const ask = async (
    job: JobInput,
    request: Omit<PayloadOf<typeof jobApprovalRequestedV1>, 'jobId' | 'autoAnswer' | 'created_at' | 'decideAt' | 'decisionOnTimeout'>,
    verdict: 'ask' | 'approve' | 'reject',
    timeoutSeconds: number,
  ): Promise<number | null> => {
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
  };
  const unanswered = (stage: ApprovalStage, decideAt: number | null) =>
    decideAt === null ? 'it waits for an answer' : `decided '${APPROVAL_TIMEOUT_DECISIONS[stage]}' at ${new Date(decideAt * 1000).toISOString()} if nobody answers`;
  /** What an approval node waits for: a cancel first, then the answer, and the question's timeout if it has one. */
  const answerOrTimeout = (job: JobInput, approvalId: string, stage: ApprovalStage, options: ApprovalDecision[], decideAt: number | null, cancellable = true): Waiting => {
    const key = inboxKeys.approval(approvalId);
    const timedOut: TimedOutAnswer = { approvalId, jobId: job.jobId, decision: APPROVAL_TIMEOUT_DECISIONS[stage], answeredBy: 'policy', comment: 'no answer before the question timed out', timedOut: true };
    return {
      waitFor: cancellable ? [inboxKeys.cancel, key] : [key],
      approvalOptions: { [key]: options },
      ...(decideAt === null ? {} : { deadline: { at: decideAt * 1000, key, value: timedOut } }),
    };
  };
  /** The answer a node received; a timeout's answer is announced like the policy's, so the API shows who decided. */
  const answerOf = async (job: JobInput, delivery: Delivery): Promise<ApprovalAnswer> => {
    const { timedOut, ...answer } = delivery.value as TimedOutAnswer;
    if (timedOut) {
      await publisher.publish(job, jobApprovalAnsweredV1, answer, `approval-answered/${answer.approvalId}`);
      await event(job, `approval-timed-out-${answer.approvalId}`, `Nobody answered approval ${answer.approvalId} in time: '${answer.decision}' decided by the approval policy`, 'warn', { approval_id: answer.approvalId, decision: answer.decision });
    }
    return answer;
  };
  const succeededWith = (trained: TrainedModel, report: string | null, trainedTokens: number): Outcome => ({
    status: 'succeeded',
    fineTunedModel: trained.model,
    trainedTokens,
    resultFiles: [trained.model, ...(trained.adapter ? [trained.adapter] : []), ...(report ? [report] : [])],
    error: null,
  });
  /** The job's result when the loop stops here: this iteration's model, or the run's failure when it has none. */
  const keep = (state: { trained: TrainedModel | null; evaluation: { report: string } | null; trainedTokens: number; trainingError: string | null }): Outcome =>
    state.trained ? succeededWith(state.trained, state.evaluation?.report ?? null, state.trainedTokens) : failed('training_failed', state.trainingError ?? 'training failed', null);
  const keeping = (state: { trained: TrainedModel | null }, iteration: number) =>
    state.trained ? `keeping the model of iteration ${iteration}` : `the job fails: iteration ${iteration}'s run has no model`;
  const tag = (iteration: number) => (iteration === 1 ? '' : `-i${iteration}`);
  const configOf = (state: { job: JobInput; config: JobConfig | null }) => state.config ?? state.job.config;

  const wait = (waiting: Waiting): Delivery => interrupt<Waiting, Delivery>(waiting);

  return new StateGraph(JobState)
    // A cancel can arrive before the job's creation is handled (another topic): it ends the job before any task.
    .addNode('start', async ({ job }) => {
      if (await records.has(job.jobId, inboxKeys.cancel)) return { outcome: cancelled(), route: 'finish' };
      return { route: job.files.documents?.length ? 'requestRetrieval' : 'requestPreparation' };
    })
    .addNode('requestRetrieval', async ({ job }) => {
      await status(job, 'validating_files');
      await publisher.publish(
        job,
        retrievalIndexRequestedV1,
        { taskId: workflowIds.retrievalTask(job.jobId), jobId: job.jobId, documents: job.files.documents!.map((key) => ({ key })), chunking: { size: 200, overlap: 40 }, bm25: { k1: 1.2, b: 0.75 } },
        'task/retrieval',
      );
      return {};
    })
    .addNode('awaitRetrieval', async ({ job }) => {
      const delivery = wait({ waitFor: [inboxKeys.cancel, inboxKeys.retrieval(workflowIds.retrievalTask(job.jobId))] });
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
      const result = delivery.value as RetrievalResult;
      const firstError = result.errors[0] ? `${result.errors[0].code} in ${result.errors[0].document}${result.errors[0].line ? `, line ${result.errors[0].line}` : ''}: expected ${result.errors[0].expected}` : '';
      if (result.status === 'failed') {
        return { outcome: failed('invalid_retrieval_documents', `No knowledge document could be indexed (${result.errorCount} error(s)); first: ${firstError}`, 'tuneforge.retrieval_documents'), route: 'finish' };
      }
      await event(job, 'documents-indexed', `Knowledge documents indexed: ${result.counts.indexedDocuments} of ${result.counts.documents}, ${result.counts.passages} passages`, 'info', { ...result.counts });
      if (result.errorCount > 0) await event(job, 'documents-skipped', `${result.counts.failedDocuments} document(s) skipped; first: ${firstError}`, 'warn');
      return { retrievalIndex: result.index };
    })
    .addNode('requestPreparation', async (state) => {
      const { job, iteration } = state;
      const config = configOf(state);
      if (iteration === 1) await status(job, 'validating_files');
      await publisher.publish(
        job,
        dataPreparationRequestedV1,
        {
          taskId: workflowIds.preparationTask(job.jobId, iteration),
          jobId: job.jobId,
          files: { training: job.files.training, ...(job.files.validation ? { validation: job.files.validation } : {}) },
          data: config.data,
          synthesis: config.synthesis,
          tools: job.tools,
          taskDescription: job.taskDescription,
          tokenizer: job.model,
          ...(state.retrievalIndex ? { retrieval: { index: state.retrievalIndex, k: RETRIEVED_PASSAGES_PER_SAMPLE, placement: 'system' as const } } : {}),
        },
        `task/preparation${tag(iteration)}`,
      );
      return {};
    })
    .addNode('awaitPreparation', async ({ job, iteration }) => {
      const delivery = wait({ waitFor: [inboxKeys.cancel, inboxKeys.preparation(workflowIds.preparationTask(job.jobId, iteration))] });
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
      const result = delivery.value as PreparationResult;
      if (result.status === 'failed') {
        const first = result.errors[0];
        const where = [first.file, first.line !== undefined ? `line ${first.line}` : '', first.field].filter(Boolean).join(', ');
        const message = `${result.errorCount} error(s) in the training data; first: ${first.code} at ${where}: expected ${first.expected}`;
        return { outcome: failed('invalid_training_file', message, 'training_file'), route: 'finish' };
      }
      await event(job, `data-prepared${tag(iteration)}`, `Data prepared: ${result.counts.trainRecords} training and ${result.counts.validationRecords} validation records`, 'info', { ...result.counts, iteration });
      return { dataset: result.artifacts.dataset, report: result.artifacts.report, route: 'requestTraining' };
    })
    .addNode('requestTraining', async (state) => {
      const { job, iteration, dataset } = state;
      const config = configOf(state);
      const runId = workflowIds.trainingRun(job.jobId, iteration);
      if (iteration === 1) {
        await status(job, 'queued');
        await status(job, 'running');
      }
      await publisher.publish(
        job,
        trainingRunRequestedV1,
        { runId, jobId: job.jobId, baseModel: job.model, datasets: [dataset!], training: config.training, maxSequenceLength: config.data.maxSequenceLength, packing: config.data.packing, agentTokens: config.data.agentTokens, ...(config.model.dtype === 'auto' ? {} : { dtype: config.model.dtype }) },
        `task/training${tag(iteration)}`,
      );
      await event(job, `training-started${tag(iteration)}`, `Training started (run ${runId}${iteration > 1 ? `, iteration ${iteration}` : ''})`, 'info', { iteration, run_id: runId });
      return { runId, halfwayAsked: false, halfway: null, approvalId: null, pausedForApproval: false, trained: null, divergedAt: null, trainingError: null, evaluation: null, findings: [], patch: null };
    })
    .addNode('awaitTraining', async (state) => {
      const { job, runId, halfwayAsked, cancelRequested, iteration } = state;
      // A cancel wins over anything that arrived with it; once asked, only the run's end is awaited.
      const waitFor: string[] = cancelRequested ? [] : [inboxKeys.cancel];
      waitFor.push(inboxKeys.trainingCompleted(runId!));
      if (!halfwayAsked && !cancelRequested) waitFor.push(inboxKeys.trainingHalfway(runId!));
      const delivery = wait({ waitFor });
      if (delivery.key === inboxKeys.cancel) return { cancelRequested: true, route: 'cancelTraining' };
      if (delivery.key === inboxKeys.trainingHalfway(runId!)) return { halfway: delivery.value as HalfwayReport, route: 'askHalfway' };
      const result = delivery.value as TrainingResult;
      // A run that ended before the cancel reached it still ends a cancelled job: its model is not kept.
      if (result.status === 'cancelled' || cancelRequested) return { outcome: cancelled(), route: 'finish' };
      if (result.status === 'failed') {
        const config = configOf(state);
        // A diverged run is a wrong setting, not a broken job: with the loop on, the debugger reads its curve.
        if (result.diverged && config.evaluation.enabled && iteration < config.iterations.max) {
          await event(job, `training-diverged-${iteration}`, `Training diverged at step ${result.step} (${result.error}); diagnosing`, 'warn', { iteration, step: result.step });
          return { divergedAt: result.step, trainingError: result.error, route: 'requestDiagnosis' };
        }
        return { outcome: failed('training_failed', result.error, null), route: 'finish' };
      }
      const trained: TrainedModel = { model: result.artifacts.merged, adapter: result.artifacts.adapter ?? null, steps: result.steps, finalLoss: result.finalLoss };
      const trainedTokens = state.trainedTokens + (result.trainedTokens ?? 0);
      await event(job, `training-completed${tag(iteration)}`, `Training completed after ${result.steps} steps, final loss ${result.finalLoss.toFixed(4)}`, 'info', { iteration, steps: result.steps, final_loss: result.finalLoss });
      await record(job, {
        jobId: job.jobId,
        iteration,
        stage: 'trained',
        record: { config: configOf(state), dataset: state.dataset!, dataReport: state.report!, runId: runId!, model: trained.model, adapter: trained.adapter, steps: trained.steps, finalLoss: trained.finalLoss },
      });
      if (!configOf(state).evaluation.enabled) return { trained, trainedTokens, outcome: succeededWith(trained, null, trainedTokens), route: 'finish' };
      return { trained, trainedTokens, route: 'requestEvaluation' };
    })
    .addNode('cancelTraining', async ({ job, runId }) => {
      await control(job, runId!, 'cancel', `cancel-${runId}`);
      await event(job, `cancel-requested-${runId}`, 'Cancellation requested; stopping training at the next step');
      return {};
    })
    .addNode('askHalfway', async (state) => {
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
    })
    .addNode('awaitApproval', async ({ job, runId, approvalId, approvalDecideAt, cancelRequested, pausedForApproval }) => {
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
    })
    .addNode('requestEvaluation', async (state) => {
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
          curve,
        },
        `task/evaluation/${iteration}`,
      );
      await event(job, `evaluation-started-${iteration}`, `Evaluating the base and the fine-tuned model (iteration ${iteration})`);
      return {};
    })
    .addNode('awaitEvaluation', async ({ job, iteration, trained }) => {
      const delivery = wait({ waitFor: [inboxKeys.cancel, inboxKeys.evaluation(workflowIds.evaluationTask(job.jobId, iteration))] });
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
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
    })
    .addNode('askSatisfied', async (state) => {
      const { job, iteration, evaluation } = state;
      const approvalId = workflowIds.satisfiedApproval(job.jobId, iteration);
      const context = metricContext(evaluation!.summary, iteration);
      const approvals = configOf(state).approvals;
      const question = `Iteration ${iteration} evaluated: ${describeMetrics(evaluation!.summary)}. Is the model satisfactory? (approve: keep it; reject: diagnose and iterate)`;
      const verdict = decideApproval(approvals.afterEvaluation, context);
      const decideAt = await ask(job, { approvalId, stage: 'after_evaluation', question, options: ['approve', 'reject'], context }, verdict, approvals.timeoutSeconds);
      if (verdict === 'ask') await event(job, `asked-${approvalId}`, `${question} (approval ${approvalId}; ${unanswered('after_evaluation', decideAt)})`, 'info', { approval_id: approvalId, decide_at: decideAt });
      return { approvalId, approvalDecideAt: decideAt };
    })
    .addNode('awaitSatisfied', async (state) => {
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
    })
    .addNode('requestDiagnosis', async (state) => {
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
      return {};
    })
    .addNode('awaitDiagnosis', async (state) => {
      const { job, iteration } = state;
      const delivery = wait({ waitFor: [inboxKeys.cancel, inboxKeys.diagnosis(workflowIds.diagnosisTask(job.jobId, iteration))] });
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
      const result = delivery.value as DiagnosisResult;
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
    })
    .addNode('askApply', async (state) => {
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
    })
    .addNode('awaitApply', async (state) => {
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
    })
    .addNode('finish', async ({ job, outcome }) => {
      const message =
        outcome!.status === 'succeeded'
          ? `The job has successfully completed: fine-tuned model ${outcome!.fineTunedModel}`
          : outcome!.status === 'cancelled'
            ? 'The job was cancelled'
            : `The job failed: ${outcome!.error!.message}`;
      await event(job, `finished-${outcome!.status}`, message, outcome!.status === 'failed' ? 'error' : 'info');
      // The final event goes out before the final status: a client that stops reading at the status has it.
      await status(job, outcome!.status, outcome!);
      return {};
    })
    .addEdge(START, 'start')
    .addConditionalEdges('start', (s) => s.route, ['requestRetrieval', 'requestPreparation', 'finish'])
    .addEdge('requestRetrieval', 'awaitRetrieval')
    .addConditionalEdges('awaitRetrieval', (s) => (s.outcome ? 'finish' : 'requestPreparation'), ['requestPreparation', 'finish'])
    .addEdge('requestPreparation', 'awaitPreparation')
    .addConditionalEdges('awaitPreparation', (s) => s.route, ['requestTraining', 'finish'])
    .addEdge('requestTraining', 'awaitTraining')
    .addConditionalEdges('awaitTraining', (s) => s.route, ['askHalfway', 'cancelTraining', 'requestEvaluation', 'requestDiagnosis', 'finish'])
    .addEdge('cancelTraining', 'awaitTraining')
    .addEdge('askHalfway', 'awaitApproval')
    .addConditionalEdges('awaitApproval', (s) => s.route, ['awaitTraining', 'cancelTraining'])
    .addEdge('requestEvaluation', 'awaitEvaluation')
    .addConditionalEdges('awaitEvaluation', (s) => s.route, ['askSatisfied', 'finish'])
    .addEdge('askSatisfied', 'awaitSatisfied')
    .addConditionalEdges('awaitSatisfied', (s) => s.route, ['requestDiagnosis', 'finish'])
    .addEdge('requestDiagnosis', 'awaitDiagnosis')
    .addConditionalEdges('awaitDiagnosis', (s) => s.route, ['askApply', 'finish'])
    .addEdge('askApply', 'awaitApply')
    .addConditionalEdges('awaitApply', (s) => s.route, ['requestPreparation', 'requestTraining', 'finish'])
    .addEdge('finish', END)
    .compile({ checkpointer });
}

function patchedConfig(config: JobConfig, patch: JobPatch): { ok: true; config: JobConfig } | { ok: false; error: string } {
  try {
    return { ok: true, config: applyJobPatch(config, patch.config) };
  } catch (error) {
    if (error instanceof JobPatchError) return { ok: false, error: error.message };
    throw error;
  }
}

function answeredBy(answer: ApprovalAnswer): string {
  return answer.answeredBy === 'policy' ? 'the approval policy' : 'a human';
}

export type JobGraph = ReturnType<typeof buildJobGraph>;
