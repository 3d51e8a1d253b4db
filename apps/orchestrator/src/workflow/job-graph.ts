import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { Annotation, END, interrupt, START, StateGraph } from '@langchain/langgraph';
import {
  dataPreparationCompletedV1,
  dataPreparationRequestedV1,
  jobApprovalAnsweredV1,
  jobApprovalRequestedV1,
  jobLifecycleEventV1,
  jobLifecycleStatusChangedV1,
  trainingRunCompletedV1,
  trainingRunControlV1,
  trainingRunRequestedV1,
  decideApproval,
  type ApprovalDecision,
  type JobConfig,
  type JobStatus,
  type PayloadOf,
  type TopicSpec,
  type TrainingControlAction,
} from '@tuneforge/contracts';
import { createHash } from 'node:crypto';

type PreparationResult = PayloadOf<typeof dataPreparationCompletedV1>;
type TrainingResult = PayloadOf<typeof trainingRunCompletedV1>;
type ApprovalAnswer = PayloadOf<typeof jobApprovalAnsweredV1>;

/** What the job was created with (from `job.lifecycle.created.v1` and its envelope). */
export interface JobInput {
  jobId: string;
  tenant: string;
  config: JobConfig;
  files: { training: string; validation?: string };
  model: string;
  tools: PayloadOf<typeof dataPreparationRequestedV1>['tools'];
  taskDescription?: string;
}

/** The workflow's only side effect: publishing a message once per `dedupKey` (the message id derives from it). */
export interface WorkflowPublisher {
  publish<T extends TopicSpec>(job: Pick<JobInput, 'jobId' | 'tenant'>, topic: T, payload: PayloadOf<T>, dedupKey: string): Promise<void>;
}

/**
 * Inbox keys: what a waiting node accepts. Results are recorded under these keys (create-only) by the bus
 * handlers, so a result delivered twice is one entry, and the first answer to an approval is the answer.
 */
export const inboxKeys = {
  preparation: (taskId: string) => `preparation/${taskId}`,
  trainingCompleted: (runId: string) => `training-completed/${runId}`,
  trainingHalfway: (runId: string) => `training-halfway/${runId}`,
  approval: (approvalId: string) => `approval/${approvalId}`,
  cancel: 'control/cancel',
} as const;

/** The value a node interrupts with: the inbox keys it accepts, in order of preference. */
export interface Waiting {
  waitFor: string[];
  /** Decisions an awaited approval accepts (other answers are refused, not recorded). */
  approvalOptions?: Record<string, ApprovalDecision[]>;
}

export interface Delivery {
  key: string;
  value: unknown;
}

export interface HalfwayReport {
  step: number;
  totalSteps: number;
  loss: number;
}

interface Outcome {
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'cancelled'>;
  fineTunedModel: string | null;
  resultFiles: string[];
  error: { code: string; message: string; param: string | null } | null;
}

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 24);
}

/** Task, run and approval ids: pure functions of the job, so a node run again after a crash sends the same task. */
export const workflowIds = {
  preparationTask: (jobId: string) => `prep-${shortHash(jobId)}`,
  trainingRun: (jobId: string) => `run-${shortHash(jobId)}`,
  halfwayApproval: (jobId: string, runId: string) => `approval-${shortHash(`${jobId}/${runId}/training_halfway`)}`,
};

const last = <T>(fallback: T) => Annotation<T>({ reducer: (_old, next) => next, default: () => fallback });

export const JobState = Annotation.Root({
  job: Annotation<JobInput>(),
  dataset: last<string | null>(null),
  report: last<string | null>(null),
  runId: last<string | null>(null),
  halfwayAsked: last(false),
  halfway: last<HalfwayReport | null>(null),
  approvalId: last<string | null>(null),
  /** The run was paused while a human decides (the policy asked). */
  pausedForApproval: last(false),
  cancelRequested: last(false),
  outcome: last<Outcome | null>(null),
  /** Where the last node sends the job next. */
  route: last<string>(''),
});

export type JobStateValue = typeof JobState.State;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Reference 001's workflow for this issue: prepare data → train (halfway approval) → finalize. Evaluation,
 * diagnosis, retrieval and iterations come with the services of the next issue; their nodes are absent.
 * Every task is sent by one node and awaited by the next, so that resuming a waiting node (which runs it
 * again from the top) never sends anything twice.
 */
export function buildJobGraph(publisher: WorkflowPublisher, checkpointer: BaseCheckpointSaver) {
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
        error: outcome?.error ?? null,
        changed_at: nowSeconds(),
      },
      `status/${value}`,
    );
  const control = (job: JobInput, runId: string, action: TrainingControlAction, dedupKey: string) =>
    publisher.publish(job, trainingRunControlV1, { runId, jobId: job.jobId, action }, `control/${dedupKey}`);

  const wait = (waiting: Waiting): Delivery => interrupt<Waiting, Delivery>(waiting);

  return new StateGraph(JobState)
    .addNode('requestPreparation', async ({ job }) => {
      await status(job, 'validating_files');
      await publisher.publish(
        job,
        dataPreparationRequestedV1,
        {
          taskId: workflowIds.preparationTask(job.jobId),
          jobId: job.jobId,
          files: job.files,
          data: job.config.data,
          synthesis: job.config.synthesis,
          tools: job.tools,
          taskDescription: job.taskDescription,
          tokenizer: job.model,
        },
        'task/preparation',
      );
      return {};
    })
    .addNode('awaitPreparation', async ({ job }) => {
      const delivery = wait({ waitFor: [inboxKeys.preparation(workflowIds.preparationTask(job.jobId)), inboxKeys.cancel] });
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
      const result = delivery.value as PreparationResult;
      if (result.status === 'failed') {
        const first = result.errors[0];
        const where = [first.file, first.line !== undefined ? `line ${first.line}` : '', first.field].filter(Boolean).join(', ');
        const message = `${result.errorCount} error(s) in the training data; first: ${first.code} at ${where}: expected ${first.expected}`;
        return { outcome: failed('invalid_training_file', message, 'training_file'), route: 'finish' };
      }
      await event(job, 'data-prepared', `Data prepared: ${result.counts.trainRecords} training and ${result.counts.validationRecords} validation records`, 'info', { ...result.counts });
      return { dataset: result.artifacts.dataset, report: result.artifacts.report, route: 'requestTraining' };
    })
    .addNode('requestTraining', async ({ job, dataset }) => {
      const runId = workflowIds.trainingRun(job.jobId);
      await status(job, 'queued');
      await status(job, 'running');
      await publisher.publish(
        job,
        trainingRunRequestedV1,
        { runId, jobId: job.jobId, baseModel: job.model, datasets: [dataset!], training: job.config.training, maxSequenceLength: job.config.data.maxSequenceLength },
        'task/training',
      );
      await event(job, 'training-started', `Training started (run ${runId})`);
      return { runId };
    })
    .addNode('awaitTraining', async ({ job, runId, halfwayAsked, cancelRequested }) => {
      const waitFor = [inboxKeys.trainingCompleted(runId!)];
      if (!halfwayAsked && !cancelRequested) waitFor.push(inboxKeys.trainingHalfway(runId!));
      if (!cancelRequested) waitFor.push(inboxKeys.cancel);
      const delivery = wait({ waitFor });
      if (delivery.key === inboxKeys.cancel) return { cancelRequested: true, route: 'cancelTraining' };
      if (delivery.key === inboxKeys.trainingHalfway(runId!)) return { halfway: delivery.value as HalfwayReport, route: 'askHalfway' };
      const result = delivery.value as TrainingResult;
      if (result.status === 'succeeded') {
        const files = [result.artifacts.merged, ...(result.artifacts.adapter ? [result.artifacts.adapter] : [])];
        await event(job, 'training-completed', `Training completed after ${result.steps} steps, final loss ${result.finalLoss.toFixed(4)}`);
        return { outcome: { status: 'succeeded', fineTunedModel: result.artifacts.merged, resultFiles: files, error: null }, route: 'finish' };
      }
      if (result.status === 'cancelled') return { outcome: cancelled(), route: 'finish' };
      return { outcome: failed('training_failed', result.error, null), route: 'finish' };
    })
    .addNode('cancelTraining', async ({ job, runId }) => {
      await control(job, runId!, 'cancel', 'cancel');
      await event(job, 'cancel-requested', 'Cancellation requested; stopping training at the next step');
      return {};
    })
    .addNode('askHalfway', async ({ job, runId, halfway }) => {
      const approvalId = workflowIds.halfwayApproval(job.jobId, runId!);
      const policy = decideApproval(job.config.approvals.trainingHalfway, { ...halfway! });
      if (policy === 'ask') await control(job, runId!, 'pause', 'halfway-pause');
      await publisher.publish(
        job,
        jobApprovalRequestedV1,
        {
          approvalId,
          jobId: job.jobId,
          stage: 'training_halfway',
          question: `Training reached step ${halfway!.step} of ${halfway!.totalSteps} (loss ${halfway!.loss.toFixed(4)}). Continue?`,
          options: ['approve', 'reject'],
          context: { ...halfway! },
          autoAnswer: policy === 'ask' ? null : policy,
          created_at: nowSeconds(),
        },
        `approval-requested/${approvalId}`,
      );
      if (policy === 'ask') {
        await event(job, 'halfway-asked', `Training paused at step ${halfway!.step} of ${halfway!.totalSteps}: continue? (approval ${approvalId})`, 'info', { approval_id: approvalId });
      } else {
        await publisher.publish(job, jobApprovalAnsweredV1, { approvalId, jobId: job.jobId, decision: policy, answeredBy: 'policy' }, `approval-answered/${approvalId}`);
      }
      return { halfwayAsked: true, approvalId, pausedForApproval: policy === 'ask' };
    })
    .addNode('awaitApproval', async ({ job, runId, approvalId, cancelRequested, pausedForApproval }) => {
      const key = inboxKeys.approval(approvalId!);
      const delivery = wait({ waitFor: cancelRequested ? [key] : [key, inboxKeys.cancel], approvalOptions: { [key]: ['approve', 'reject'] } });
      if (delivery.key === inboxKeys.cancel) return { cancelRequested: true, route: 'cancelTraining' };
      const answer = delivery.value as ApprovalAnswer;
      const by = answer.answeredBy === 'policy' ? 'the approval policy' : 'a human';
      if (answer.decision === 'reject') {
        await event(job, 'halfway-rejected', `Continuing was rejected by ${by}; cancelling training`, 'warn');
        return { cancelRequested: true, route: 'cancelTraining' };
      }
      await event(job, 'halfway-approved', `Continuing was approved by ${by}`);
      if (pausedForApproval) await control(job, runId!, 'resume', 'halfway-resume');
      return { route: 'awaitTraining' };
    })
    .addNode('finish', async ({ job, outcome }) => {
      await status(job, outcome!.status, outcome!);
      const message =
        outcome!.status === 'succeeded'
          ? `The job has successfully completed: fine-tuned model ${outcome!.fineTunedModel}`
          : outcome!.status === 'cancelled'
            ? 'The job was cancelled'
            : `The job failed: ${outcome!.error!.message}`;
      await event(job, `finished-${outcome!.status}`, message, outcome!.status === 'failed' ? 'error' : 'info');
      return {};
    })
    .addEdge(START, 'requestPreparation')
    .addEdge('requestPreparation', 'awaitPreparation')
    .addConditionalEdges('awaitPreparation', (s) => s.route, ['requestTraining', 'finish'])
    .addEdge('requestTraining', 'awaitTraining')
    .addConditionalEdges('awaitTraining', (s) => s.route, ['askHalfway', 'cancelTraining', 'finish'])
    .addEdge('cancelTraining', 'awaitTraining')
    .addEdge('askHalfway', 'awaitApproval')
    .addConditionalEdges('awaitApproval', (s) => s.route, ['awaitTraining', 'cancelTraining'])
    .addEdge('finish', END)
    .compile({ checkpointer });
}

function cancelled(): Outcome {
  return { status: 'cancelled', fineTunedModel: null, resultFiles: [], error: null };
}

function failed(code: string, message: string, param: string | null): Outcome {
  return { status: 'failed', fineTunedModel: null, resultFiles: [], error: { code, message: message.slice(0, 4000), param } };
}

export type JobGraph = ReturnType<typeof buildJobGraph>;
