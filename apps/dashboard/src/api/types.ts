/**
 * The public API's JSON as the dashboard reads it: OpenAI's objects (files, fine-tuning jobs, events, checkpoints,
 * models, chat completions) and Tuneforge's extensions (approvals, iterations, evaluation and data reports, artifacts),
 * as /v1/openapi.json describes them. The dashboard is a client like any other.
 *
 * Where the contracts already define an object the gateway answers with, it is used as it is (`import type`: erased
 * at build, no server code enters the bundle), so that the dashboard and the gateway cannot drift apart. The rest are
 * shapes the gateway defines in its own app, which the dashboard may not import (module boundaries).
 */
import type {
  OpenAiFile,
  OpenAiFineTuningJob,
  OpenAiFineTuningJobCheckpoint,
  OpenAiFineTuningJobEvent,
  OpenAiList,
  TuneforgeJobApproval,
  EvaluationSummary,
  Finding,
  JobStatus as ContractJobStatus,
} from '@tuneforge/contracts';

export type { ApprovalDecision, EvaluationMetricName, EvaluationSummary, Finding } from '@tuneforge/contracts';

/**
 * The contracts' statuses plus OpenAI's `paused` (in the SDK's type), which the pages still name and offer to resume
 * should the API report it; Tuneforge's gateway keeps a paused run `running` today.
 */
export type JobStatus = ContractJobStatus | 'paused';

export type ApiList<T> = OpenAiList<T>;
export type FineTuningJob = Omit<OpenAiFineTuningJob, 'status'> & { status: JobStatus };
export type JobEvent = OpenAiFineTuningJobEvent;
export type Checkpoint = OpenAiFineTuningJobCheckpoint;
export type Approval = TuneforgeJobApproval;
export type UploadedFile = OpenAiFile;

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

