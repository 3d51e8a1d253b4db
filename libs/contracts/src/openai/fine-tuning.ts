import { z } from 'zod';
import { APPROVAL_DECISIONS, type ApprovalDecision } from '../topics/job.approval.requested.v1';
import type { ResolvedMethod } from '../job/job-request-mapping';
import type { JobStatus } from '../topics/job.lifecycle.status-changed.v1';

/** OpenAI's `fine_tuning.job` object (the fields the official SDK reads), as the gateway answers it. */
export interface OpenAiFineTuningJob {
  id: string;
  object: 'fine_tuning.job';
  created_at: number;
  finished_at: number | null;
  model: string;
  fine_tuned_model: string | null;
  organization_id: string;
  status: JobStatus;
  training_file: string;
  validation_file: string | null;
  /** As requested (legacy readers): numbers given, `auto` otherwise. */
  hyperparameters: { n_epochs: number | 'auto'; batch_size: number | 'auto'; learning_rate_multiplier: number | 'auto' };
  /** OpenAI's `method`, resolved: the numbers the job's configuration trains with (optional as in the SDK's type; the gateway always sets it). */
  method?:
    | { type: 'supervised'; supervised: { hyperparameters: { n_epochs: number | 'auto'; batch_size: number | 'auto'; learning_rate_multiplier: number | 'auto' } } }
    | { type: 'dpo'; dpo: { hyperparameters: { n_epochs: number; batch_size: number; learning_rate_multiplier: number; beta: number } } }
    | Extract<ResolvedMethod, { type: 'reinforcement' }>;
  /** File ids (`files.content` reads them): the step-metrics CSV of a succeeded job. */
  result_files: string[];
  trained_tokens: number | null;
  error: { code: string; message: string; param: string | null } | null;
  seed: number;
  suffix: string | null;
  metadata: Record<string, string> | null;
  estimated_finish: number | null;
  integrations: [];
  /**
   * Tuneforge extension: what a job that is not moving waits for. Today one case: a question asked to a
   * human (answer it with `POST /v1/fine_tuning/jobs/{id}/approvals/{approval.id}`, or it is decided at
   * `approval.decide_at`). Null when the job waits for nobody.
   */
  status_details: { waiting_for: 'approval'; approval: TuneforgeJobApproval } | null;
}

/** OpenAI's `fine_tuning.job.event` object. */
export interface OpenAiFineTuningJobEvent {
  id: string;
  object: 'fine_tuning.job.event';
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  type: 'message' | 'metrics';
  data: Record<string, unknown> | null;
}

/** Tuneforge extension: a question the job's workflow asks (`GET /v1/fine_tuning/jobs/{id}/approvals`). */
export interface TuneforgeJobApproval {
  id: string;
  object: 'fine_tuning.job.approval';
  job_id: string;
  stage: string;
  question: string;
  options: ApprovalDecision[];
  context: Record<string, unknown>;
  created_at: number;
  status: 'pending' | 'answered';
  decision: ApprovalDecision | null;
  answered_by: 'human' | 'policy' | null;
  answered_at: number | null;
  /** Unix seconds: when a pending question is decided without an answer (null: it waits for one). */
  decide_at: number | null;
  /** The decision taken at `decide_at`. */
  decision_on_timeout: ApprovalDecision | null;
  /** With the answer, when one was given (a timeout's answer says so here). */
  comment: string | null;
}

const limit = z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100');

/**
 * Query of `GET /v1/fine_tuning/jobs`. `metadata[key]=value` (as the SDK's `jobs.list({ metadata })` sends it)
 * keeps the jobs whose metadata has every pair given; fold the bracketed keys first (`foldBracketedQuery`).
 */
export const listFineTuningJobsQuerySchema = z
  .object({ after: z.string().min(1).optional(), limit: limit.default(20), metadata: z.record(z.string().min(1).max(64), z.string().max(512)).optional() })
  .strict();

/**
 * `{ 'metadata[k]': 'v' }` → `{ metadata: { k: 'v' } }`. Express 5's default ("simple") query parser leaves
 * bracketed keys as they are; an extended parser has already nested them (kept as they are).
 */
export function foldBracketedQuery(query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const match = /^([A-Za-z_]+)\[([^\]]*)\]$/.exec(key);
    if (!match) {
      out[key] = value;
      continue;
    }
    const [, outer, inner] = match;
    const nested = (out[outer] ??= {}) as Record<string, unknown>;
    if (typeof nested === 'object' && nested !== null) nested[inner] = value;
  }
  return out;
}
export type ListFineTuningJobsQuery = z.infer<typeof listFineTuningJobsQuerySchema>;

/** Query of `GET /v1/fine_tuning/jobs/{id}/events`; `stream=true` answers server-sent events. */
export const listFineTuningEventsQuerySchema = z
  .object({ after: z.string().min(1).optional(), limit: limit.default(20), stream: z.enum(['true', 'false']).optional() })
  .strict();
export type ListFineTuningEventsQuery = z.infer<typeof listFineTuningEventsQuerySchema>;

/** Body of `POST /v1/fine_tuning/jobs/{id}/approvals/{approvalId}`. */
export const answerApprovalBodySchema = z
  .object({
    decision: z.enum(APPROVAL_DECISIONS),
    comment: z.string().max(4000).optional(),
    edits: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type AnswerApprovalBody = z.infer<typeof answerApprovalBodySchema>;

/** OpenAI's `fine_tuning.job.checkpoint` object; `fine_tuned_model_checkpoint` is the checkpoint artifact's prefix. */
export interface OpenAiFineTuningJobCheckpoint {
  id: string;
  object: 'fine_tuning.job.checkpoint';
  created_at: number;
  fine_tuned_model_checkpoint: string;
  fine_tuning_job_id: string;
  step_number: number;
  metrics: Record<string, number>;
}

/** Query of `GET /v1/fine_tuning/jobs/{id}/checkpoints`. */
export const listFineTuningCheckpointsQuerySchema = z.object({ after: z.string().min(1).optional(), limit: limit.default(10) }).strict();
export type ListFineTuningCheckpointsQuery = z.infer<typeof listFineTuningCheckpointsQuerySchema>;
