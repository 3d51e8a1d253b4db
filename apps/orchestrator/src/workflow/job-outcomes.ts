import type { JobStatus } from '@tuneforge/contracts';
import type { TrainedModel } from './job-state';

/** How a job ends: its final status and what the status-changed message says with it. */
export interface Outcome {
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'cancelled'>;
  /** The fine-tuned model: its artifact until the job ends, its `ft:` name in the final status. */
  fineTunedModel: string | null;
  /** The LoRA adapter trained with it, when there is one (the registry keeps it beside the merged model). */
  fineTunedAdapter?: string | null;
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

export function succeededWith(trained: TrainedModel, report: string | null, trainedTokens: number): Outcome {
  return {
    status: 'succeeded',
    fineTunedModel: trained.model,
    fineTunedAdapter: trained.adapter,
    trainedTokens,
    resultFiles: [trained.model, ...(trained.adapter ? [trained.adapter] : []), ...(trained.gguf ? [trained.gguf] : []), ...(report ? [report] : [])],
    error: null,
  };
}

/** The job's result when the loop stops here: this iteration's model, or the run's failure when it has none. */
export function keep(state: { trained: TrainedModel | null; evaluation: { report: string } | null; trainedTokens: number; trainingError: string | null }): Outcome {
  return state.trained ? succeededWith(state.trained, state.evaluation?.report ?? null, state.trainedTokens) : failed('training_failed', state.trainingError ?? 'training failed', null);
}

/** What an event says the job keeps when the loop stops at `iteration`. */
export function keeping(state: { trained: TrainedModel | null }, iteration: number): string {
  return state.trained ? `keeping the model of iteration ${iteration}` : `the job fails: iteration ${iteration}'s run has no model`;
}
