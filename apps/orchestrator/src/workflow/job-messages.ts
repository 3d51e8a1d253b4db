/** The messages the workflow tells the world about a job with: its events, its status, its run's controls, its iterations. */
import {
  jobIterationRecordedV1,
  jobLifecycleEventV1,
  jobLifecycleStatusChangedV1,
  trainingRunControlV1,
  type JobStatus,
  type PayloadOf,
  type TrainingControlAction,
} from '@tuneforge/contracts';
import type { Outcome } from './job-outcomes';
import type { JobInput, WorkflowPublisher } from './job-state';

export type EventLevel = 'info' | 'warn' | 'error';
type IterationRecord = PayloadOf<typeof jobIterationRecordedV1>;

export interface JobMessages {
  /** An event in OpenAI's shape, once per `dedupKey`. */
  event(job: JobInput, dedupKey: string, message: string, level?: EventLevel, data?: Record<string, unknown> | null): Promise<void>;
  /** The job's status; the final one carries the outcome. */
  status(job: JobInput, value: JobStatus, outcome?: Outcome): Promise<void>;
  /** Pause, resume or cancel the iteration's training run. */
  control(job: JobInput, runId: string, action: TrainingControlAction, dedupKey: string): Promise<void>;
  /** One stage of an iteration, for the job's iteration history. */
  record(job: JobInput, payload: IterationRecord): Promise<void>;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function jobMessages(publisher: WorkflowPublisher): JobMessages {
  return {
    event: (job, dedupKey, message, level = 'info', data = null) =>
      publisher.publish(job, jobLifecycleEventV1, { jobId: job.jobId, id: `${job.jobId}-${dedupKey}`, level, message, type: 'message', data, created_at: nowSeconds() }, `event/${dedupKey}`),
    status: (job, value, outcome) =>
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
      ),
    control: (job, runId, action, dedupKey) => publisher.publish(job, trainingRunControlV1, { runId, jobId: job.jobId, action }, `control/${dedupKey}`),
    record: (job, payload) => publisher.publish(job, jobIterationRecordedV1, payload, `iteration/${payload.iteration}/${payload.stage}`),
  };
}
