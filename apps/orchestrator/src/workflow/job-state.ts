/** The workflow's data: what a job starts with, what its nodes wait for, the ids they derive, and the graph state. */
import { Annotation } from '@langchain/langgraph';
import type { CurvePoint, EvaluationSummary, Finding, JobConfig, JobPatch, PayloadOf, TopicSpec, ToolFixture, ApprovalDecision, dataPreparationRequestedV1 } from '@tuneforge/contracts';
import { createHash } from 'node:crypto';
import type { Outcome } from './job-outcomes';

/** What the job was created with (from `job.lifecycle.created.v1` and its envelope). */
export interface JobInput {
  jobId: string;
  tenant: string;
  config: JobConfig;
  files: { training: string; validation?: string; evaluation?: string; documents?: string[] };
  /** The base model's artifact. */
  model: string;
  /** The base model's name as the request gave it (a registered name or an `ft:` name); absent in jobs started before names. */
  modelName?: string;
  /** The request's `suffix`, part of the fine-tuned model's name. */
  suffix?: string | null;
  tools: PayloadOf<typeof dataPreparationRequestedV1>['tools'];
  toolFixtures?: ToolFixture[];
  taskDescription?: string;
}

/** The training curve of a run as the orchestrator recorded it from progress messages (in step order). */
export interface CurveSource {
  read(job: Pick<JobInput, 'jobId' | 'tenant'>, runId: string): Promise<CurvePoint[]>;
}

/** Whether a result is already in the job's inbox (a cancel may arrive before the job's first step). */
export interface InboxReader {
  has(jobId: string, key: string): Promise<boolean>;
}

/** Gives a job's fine-tuned model its name (`ft:...`) in the model registry, so that it can be served and tuned again. */
export interface ModelNamer {
  nameModel(job: JobInput, model: { artifact: string; adapter: string | null }): Promise<string>;
}

/** What the orchestrator keeps beside the graph and its nodes read or write: curves, the inbox, model names. */
export type WorkflowRecords = CurveSource & InboxReader & ModelNamer;

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
  evaluation: (taskId: string) => `evaluation/${taskId}`,
  retrieval: (taskId: string) => `retrieval/${taskId}`,
  diagnosis: (taskId: string) => `diagnosis/${taskId}`,
  approval: (approvalId: string) => `approval/${approvalId}`,
  /** Delivered by the runner when a task's result is overdue (the key of the result it gives up on). */
  stageDeadline: (resultKey: string) => `deadline/${resultKey}`,
  cancel: 'control/cancel',
} as const;

/** The value a node interrupts with: the inbox keys it accepts, in order of preference. */
export interface Waiting {
  waitFor: string[];
  /** Decisions an awaited approval accepts (other answers are refused, not recorded). */
  approvalOptions?: Record<string, ApprovalDecision[]>;
  /**
   * Delivered by the runner at `at` (Unix ms) unless something it waits for came first: an unanswered question's
   * timeout, or a task's stage deadline.
   */
  deadline?: { at: number; key: string; value: unknown };
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


function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 24);
}

/** Task, run and approval ids: pure functions of the job, so a node run again after a crash sends the same task. */
export const workflowIds = {
  preparationTask: (jobId: string, iteration = 1) => `prep-${shortHash(perIteration(jobId, iteration))}`,
  trainingRun: (jobId: string, iteration = 1) => `run-${shortHash(perIteration(jobId, iteration))}`,
  halfwayApproval: (jobId: string, runId: string) => `approval-${shortHash(`${jobId}/${runId}/training_halfway`)}`,
  retrievalTask: (jobId: string) => `index-${shortHash(jobId)}`,
  evaluationTask: (jobId: string, iteration: number) => `eval-${shortHash(`${jobId}/${iteration}`)}`,
  diagnosisTask: (jobId: string, iteration: number) => `diag-${shortHash(`${jobId}/${iteration}`)}`,
  satisfiedApproval: (jobId: string, iteration: number) => `approval-${shortHash(`${jobId}/${iteration}/after_evaluation`)}`,
  applyApproval: (jobId: string, iteration: number) => `approval-${shortHash(`${jobId}/${iteration}/apply_diagnosis`)}`,
};

/** The first iteration keeps the ids jobs had before iterations existed (their tasks and artifacts stay found). */
function perIteration(jobId: string, iteration: number): string {
  return iteration === 1 ? jobId : `${jobId}/iteration-${iteration}`;
}

/** What the training of the current iteration produced. */
export interface TrainedModel {
  model: string;
  adapter: string | null;
  /** The merged model as GGUF with an Ollama Modelfile; absent in states saved before it existed, null when none was written. */
  gguf?: string | null;
  /** A reinforcement run's recorded rollouts (a prefix of `step-<n>.jsonl`); absent otherwise. */
  rollouts?: string;
  steps: number;
  finalLoss: number;
}

const last = <T>(fallback: T) => Annotation<T>({ reducer: (_old, next) => next, default: () => fallback });

export const JobState = Annotation.Root({
  job: Annotation<JobInput>(),
  /** 1-based iteration of the loop; each one trains with `config`, the job's config with the applied patches. */
  iteration: last(1),
  config: last<JobConfig | null>(null),
  /** The job's knowledge documents, indexed (a `retrieval-index` artifact prefix), when it has any. */
  retrievalIndex: last<string | null>(null),
  dataset: last<string | null>(null),
  report: last<string | null>(null),
  runId: last<string | null>(null),
  /** When the task the job waits for was sent (Unix ms): its stage deadline counts from here (null: none). */
  taskRequestedAt: last<number | null>(null),
  halfwayAsked: last(false),
  halfway: last<HalfwayReport | null>(null),
  approvalId: last<string | null>(null),
  /** When the pending question is decided without an answer (Unix seconds; null: it waits for one). */
  approvalDecideAt: last<number | null>(null),
  /** The run was paused while a human decides (the policy asked). */
  pausedForApproval: last(false),
  cancelRequested: last(false),
  trained: last<TrainedModel | null>(null),
  /** The step at which this iteration's run diverged (its loss became NaN or infinite), if it did. */
  divergedAt: last<number | null>(null),
  /** Why this iteration's run failed, when it did (the job fails with it unless a diagnosis finds a fix). */
  trainingError: last<string | null>(null),
  /** Tokens trained on by every iteration so far. */
  trainedTokens: last(0),
  evaluation: last<{ summary: EvaluationSummary; report: string } | null>(null),
  findings: last<Finding[]>([]),
  patch: last<JobPatch | null>(null),
  outcome: last<Outcome | null>(null),
  /** Where the last node sends the job next. */
  route: last<string>(''),
});

export type JobStateValue = typeof JobState.State;
