/** What every stage's nodes are given (the job's messages and questions, the orchestrator's records) and work with. */
import { interrupt } from '@langchain/langgraph';
import type { JobConfig } from '@tuneforge/contracts';
import { jobMessages, type JobMessages } from '../job-messages';
import { jobQuestions, type JobQuestions } from '../job-questions';
import type { Delivery, JobInput, JobState, JobStateValue, Waiting, WorkflowPublisher, WorkflowRecords } from '../job-state';
import { DEFAULT_STAGE_DEADLINES, type StageDeadlines } from '../stage-deadlines';

/** What a node hands back: the state fields it changes, and `route` where the graph branches after it. */
export type JobUpdate = typeof JobState.Update;
export type JobNode = (state: JobStateValue) => Promise<JobUpdate>;

export interface StageContext extends JobMessages, JobQuestions {
  /** Sends a stage's task (once per dedup key). */
  publisher: WorkflowPublisher;
  /** The training curves the orchestrator recorded, and the job's inbox. */
  records: WorkflowRecords;
  /** How long each stage's task may go unanswered. */
  deadlines: StageDeadlines;
}

export function createStageContext(publisher: WorkflowPublisher, records: WorkflowRecords, deadlines: StageDeadlines = DEFAULT_STAGE_DEADLINES): StageContext {
  const messages = jobMessages(publisher);
  return { ...messages, ...jobQuestions(publisher, messages.event), publisher, records, deadlines };
}

/** The config the current iteration runs with: the job's, with the patches applied so far. */
export const configOf = (state: { job: JobInput; config: JobConfig | null }): JobConfig => state.config ?? state.job.config;

/** The dedup key suffix of an iteration's messages (none for the first iteration). */
export const tag = (iteration: number): string => (iteration === 1 ? '' : `-i${iteration}`);

/** Stops the graph until the runner delivers one of the awaited inbox entries; the node then runs again from its start. */
export const wait = (waiting: Waiting): Delivery => interrupt<Waiting, Delivery>(waiting);
