import type { JobStatus } from '@tuneforge/contracts';

/** How a job ends: its final status and what the status-changed message says with it. */
export interface Outcome {
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'cancelled'>;
  fineTunedModel: string | null;
  trainedTokens?: number;
  resultFiles: string[];
  error: { code: string; message: string; param: string | null } | null;
}

export function cancelled(): Outcome {
  return { status: 'cancelled', fineTunedModel: null, resultFiles: [], error: null };
}

export function failed(code: string, message: string, param: string | null): Outcome {
  return { status: 'failed', fineTunedModel: null, resultFiles: [], error: { code, message: message.slice(0, 4000), param } };
}
