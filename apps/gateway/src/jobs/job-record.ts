import {
  APPROVAL_DECISIONS,
  fineTunedModelName,
  graderSchema,
  JOB_STATUSES,
  jobApprovalRequestedV1,
  jobConfigSchema,
  jobLifecycleEventV1,
  jobLifecycleStatusChangedV1,
  jobSpecSchema,
  REASONING_EFFORTS,
  requestedHyperparameters,
  trainingCheckpointSavedV1,
  type JobStatus,
  type OpenAiFineTuningJob,
  type OpenAiFineTuningJobCheckpoint,
  type OpenAiFineTuningJobEvent,
  type TuneforgeJobApproval,
} from '@tuneforge/contracts';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * A job's records, as the gateway keeps them in the metadata database (`job-repository.ts`; the tables are in
 * libs/database/migrations): the accepted request and resolved config (`jobs.record`, written in the same transaction
 * as the outbox message that announces it), each status it reached, its events, checkpoints, questions and their
 * first answers, its iterations and its result files. The records are the validated objects below, kept as jsonb.
 */
export const resultFilesRecordSchema = z.object({ file_ids: z.array(z.string()) });
export type ResultFilesRecord = z.infer<typeof resultFilesRecordSchema>;

const TIME_DIGITS = 9;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `ftjob-` + base-36 creation time + randomness: ids sort by creation time, which list cursors rely on. */
export function newJobId(now: number = Date.now()): string {
  const random = [...randomBytes(16)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
  return `ftjob-${now.toString(36).padStart(TIME_DIGITS, '0')}${random}`;
}

export const jobIdSchema = z.string().regex(/^ftjob-[a-z0-9]{1,64}$/);

export const jobRecordSchema = z.object({
  id: z.string(),
  created_at: z.number().int(),
  spec: jobSpecSchema,
  config: jobConfigSchema,
  files: z.object({ training: z.string(), validation: z.string().optional(), evaluation: z.string().optional(), documents: z.array(z.string()).optional() }),
  model: z.string(),
  /** The method resolved from the config at create time (records written before it existed have none). */
  method: z
    .discriminatedUnion('type', [
      z.object({
        type: z.literal('supervised'),
        supervised: z.object({ hyperparameters: z.object({ n_epochs: z.number(), batch_size: z.number(), learning_rate_multiplier: z.number() }) }),
      }),
      z.object({
        type: z.literal('dpo'),
        dpo: z.object({ hyperparameters: z.object({ n_epochs: z.number(), batch_size: z.number(), learning_rate_multiplier: z.number(), beta: z.number() }) }),
      }),
      z.object({
        type: z.literal('reinforcement'),
        reinforcement: z.object({
          grader: graderSchema,
          hyperparameters: z.object({
            n_epochs: z.number(),
            batch_size: z.number(),
            learning_rate_multiplier: z.number(),
            compute_multiplier: z.number(),
            eval_interval: z.number(),
            eval_samples: z.number(),
            reasoning_effort: z.enum(REASONING_EFFORTS),
          }),
        }),
      }),
    ])
    .optional(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

export const statusRecordSchema = jobLifecycleStatusChangedV1.payload;
export type StatusRecord = z.infer<typeof statusRecordSchema>;
export const eventRecordSchema = jobLifecycleEventV1.payload.extend({ received_at: z.number() });
export type EventRecord = z.infer<typeof eventRecordSchema>;
export const approvalRecordSchema = jobApprovalRequestedV1.payload;
export type ApprovalRecord = z.infer<typeof approvalRecordSchema>;
export const checkpointRecordSchema = trainingCheckpointSavedV1.payload.extend({ created_at: z.number().int() });
export type CheckpointRecord = z.infer<typeof checkpointRecordSchema>;

/** Newest (highest step) first, as OpenAI lists them; each named `ft:...:ckpt-step-<n>` (the registry's name for it). */
export function toOpenAiCheckpoints(records: CheckpointRecord[], job: JobRecord, tenant: string): OpenAiFineTuningJobCheckpoint[] {
  return [...records]
    .sort((a, b) => b.step - a.step || b.created_at - a.created_at)
    .map((record) => ({
      id: `ftckpt-${createHash('sha256').update(`${record.runId}/${record.step}`).digest('hex').slice(0, 24)}`,
      object: 'fine_tuning.job.checkpoint',
      created_at: record.created_at,
      fine_tuned_model_checkpoint: fineTunedModelName({ base: job.spec.model, owner: tenant, suffix: job.spec.suffix, jobId: job.id, checkpointStep: record.step }),
      fine_tuning_job_id: record.jobId,
      step_number: record.step,
      metrics: record.metrics as Record<string, number>,
    }));
}

export const answerRecordSchema = z.object({
  decision: z.enum(APPROVAL_DECISIONS),
  answered_by: z.enum(['human', 'policy']),
  answered_at: z.number().int(),
  comment: z.string().optional(),
  edits: z.record(z.string(), z.unknown()).optional(),
});
export type AnswerRecord = z.infer<typeof answerRecordSchema>;

/** A status's place in the order statuses move in (`jobs.status_rank`). */
export const statusRank = (status: JobStatus) => JOB_STATUSES.indexOf(status);

/** The latest status: statuses only move forward, so the furthest one reached is the current one. */
export function currentStatus(statuses: StatusRecord[]): StatusRecord | undefined {
  return [...statuses].sort((a, b) => statusRank(a.status) - statusRank(b.status)).at(-1);
}

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];
const TERMINAL = TERMINAL_STATUSES;

/** What else the job object shows beyond its records: its result file ids, and the latest metrics event while it runs. */
export interface JobExtras {
  resultFiles?: string[];
  latestMetrics?: EventRecord;
}

/** The legacy `hyperparameters` as requested (top-level or under `method.supervised`). */
function requested(record: JobRecord) {
  try {
    return requestedHyperparameters(record.spec);
  } catch {
    return record.spec.hyperparameters ?? {};
  }
}

/** The stored resolved method; a record from before it was stored is described from its config (the multiplier unknown: auto). */
function methodOf(record: JobRecord): OpenAiFineTuningJob['method'] {
  if (record.method) return record.method;
  const hp = requested(record);
  return {
    type: 'supervised',
    supervised: { hyperparameters: { n_epochs: record.config.training.epochs, batch_size: record.config.training.batchSize, learning_rate_multiplier: hp.learning_rate_multiplier ?? 'auto' } },
  };
}

/** Unix seconds when a running job should end: the latest metrics event's time plus its `eta_seconds`. */
export function estimatedFinish(status: JobStatus | undefined, latest: EventRecord | undefined): number | null {
  const eta = latest?.data?.eta_seconds;
  if (status !== 'running' || typeof eta !== 'number' || !Number.isFinite(eta)) return null;
  return latest!.created_at + Math.ceil(eta);
}

/** The newest metrics event that carries an ETA (a step's, not a checkpoint's). */
export function latestStepMetrics(events: EventRecord[]): EventRecord | undefined {
  return sortEventsNewestFirst(events).find((event) => event.type === 'metrics' && typeof event.data?.eta_seconds === 'number');
}

/**
 * A job's state as the API shows it: its statuses and the questions it asked with their answers (a question
 * without an answer, on a job that has not ended, is what the job waits for).
 */
export function toOpenAiJob(record: JobRecord, statuses: StatusRecord[], approvals: TuneforgeJobApproval[] = [], extras: JobExtras = {}): OpenAiFineTuningJob {
  const status = currentStatus(statuses);
  const ended = status !== undefined && TERMINAL.includes(status.status);
  const pending = ended ? undefined : approvals.find((approval) => approval.status === 'pending');
  const hp = requested(record);
  return {
    id: record.id,
    object: 'fine_tuning.job',
    created_at: record.created_at,
    finished_at: status && TERMINAL.includes(status.status) ? status.changed_at : null,
    model: record.spec.model,
    fine_tuned_model: status?.fine_tuned_model ?? null,
    organization_id: 'org-tuneforge',
    status: status?.status ?? 'validating_files',
    training_file: record.spec.training_file,
    validation_file: record.spec.validation_file ?? null,
    hyperparameters: {
      n_epochs: hp.n_epochs ?? 'auto',
      batch_size: hp.batch_size ?? 'auto',
      learning_rate_multiplier: hp.learning_rate_multiplier ?? 'auto',
    },
    method: methodOf(record),
    // File ids of the results (the step-metrics CSV); the status's artifact prefixes stay in its record, for the artifacts endpoints.
    result_files: status?.status === 'succeeded' ? (extras.resultFiles ?? []) : [],
    trained_tokens: status?.trained_tokens ?? null,
    error: status?.error ?? null,
    seed: record.config.training.seed,
    suffix: record.spec.suffix ?? null,
    metadata: record.spec.metadata ?? null,
    estimated_finish: estimatedFinish(status?.status, extras.latestMetrics),
    integrations: [],
    status_details: pending ? { waiting_for: 'approval', approval: pending } : null,
  };
}

/** Newest first, as OpenAI lists them: by event time, then by arrival, then by id. */
export function sortEventsNewestFirst(events: EventRecord[]): EventRecord[] {
  return [...events].sort((a, b) => b.created_at - a.created_at || b.received_at - a.received_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

export function toOpenAiEvent(event: EventRecord): OpenAiFineTuningJobEvent {
  return { id: event.id, object: 'fine_tuning.job.event', created_at: event.created_at, level: event.level, message: event.message, type: event.type, data: event.data };
}

export function toApproval(request: ApprovalRecord, answer: AnswerRecord | undefined): TuneforgeJobApproval {
  return {
    id: request.approvalId,
    object: 'fine_tuning.job.approval',
    job_id: request.jobId,
    stage: request.stage,
    question: request.question,
    options: request.options,
    context: request.context,
    created_at: request.created_at,
    status: answer ? 'answered' : 'pending',
    decision: answer?.decision ?? null,
    answered_by: answer?.answered_by ?? null,
    answered_at: answer?.answered_at ?? null,
    decide_at: answer ? null : request.decideAt,
    decision_on_timeout: answer ? null : request.decisionOnTimeout,
    comment: answer?.comment ?? null,
  };
}

/** A page after a cursor (exclusive); an unknown cursor gives an empty page. */
export function page<T extends { id: string }>(items: T[], after: string | undefined, limit: number) {
  const start = after === undefined ? 0 : items.findIndex((item) => item.id === after) + 1;
  const rest = after !== undefined && start === 0 ? [] : items.slice(start);
  const data = rest.slice(0, limit);
  return { object: 'list' as const, data, has_more: rest.length > limit, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
