/**
 * The public API's JSON as the dashboard reads it: OpenAI's objects (files, fine-tuning jobs, events, checkpoints,
 * models, chat completions) and Tuneforge's extensions (approvals, iterations, evaluation and data reports, artifacts),
 * as /v1/openapi.json describes them. Only the fields the pages show; the dashboard is a client like any other.
 */

export interface ApiList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  first_id?: string | null;
  last_id?: string | null;
}

export type JobStatus = 'validating_files' | 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

export interface Hyperparameters {
  n_epochs: number | 'auto';
  batch_size: number | 'auto';
  learning_rate_multiplier: number | 'auto';
  beta?: number;
}

export interface FineTuningJob {
  id: string;
  object: 'fine_tuning.job';
  created_at: number;
  finished_at: number | null;
  model: string;
  fine_tuned_model: string | null;
  status: JobStatus;
  training_file: string;
  validation_file: string | null;
  hyperparameters: Hyperparameters;
  method?: { type: string } & Record<string, { hyperparameters?: Hyperparameters } | string>;
  result_files: string[];
  trained_tokens: number | null;
  error: { code: string; message: string; param: string | null } | null;
  seed: number;
  suffix: string | null;
  metadata: Record<string, string> | null;
  estimated_finish: number | null;
  status_details: { waiting_for: 'approval'; approval: Approval } | null;
}

export interface JobEvent {
  id: string;
  object: 'fine_tuning.job.event';
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  type: 'message' | 'metrics';
  data: Record<string, unknown> | null;
}

export interface Checkpoint {
  id: string;
  created_at: number;
  fine_tuned_model_checkpoint: string;
  step_number: number;
  metrics: Record<string, number>;
}

export type ApprovalDecision = 'approve' | 'reject' | 'edit';

export interface Approval {
  id: string;
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
  decide_at: number | null;
  decision_on_timeout: ApprovalDecision | null;
  comment: string | null;
}

export interface Finding {
  code: string;
  severity: 'critical' | 'high' | 'medium' | 'low';
  score: number;
  title: string;
  evidence: Record<string, unknown>;
  patch: { description: string; config: Record<string, unknown> };
}

export interface ModelMetrics {
  metrics: Record<string, number>;
  per_tool: Record<string, { expected: number; predicted: number; selection_accuracy: number; argument_accuracy: number }>;
}

export interface EvaluationSummary {
  examples: number;
  agent_episodes: number;
  base: ModelMetrics;
  tuned: ModelMetrics;
}

export interface Iteration {
  iteration: number;
  trained: { config: Record<string, unknown>; steps: number; finalLoss: number; model: string; dataReport: string } | null;
  evaluation: { summary: EvaluationSummary; report: string } | null;
  diagnosis: { findings: Finding[]; explanation: string | null } | null;
  conclusion: { decision: string; patch: { description: string; config: Record<string, unknown> } | null } | null;
}

export interface JobArtifact {
  name: string;
  kind: string;
  bytes: number;
  files: Array<{ path: string; bytes: number; sha256: string }>;
}

export interface Model {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface UploadedFile {
  id: string;
  filename: string;
  bytes: number;
  purpose: string;
  created_at: number;
}
