import type { PayloadOf, trainingRunRequestedV1 } from '@tuneforge/contracts';

type RunIds = Pick<PayloadOf<typeof trainingRunRequestedV1>, 'jobId' | 'runId'>;

/** Where a run keeps its artifacts in the tenant's store; every key derives from job and run id. */
export function runPrefix(request: RunIds): string {
  return `jobs/${request.jobId}/training/${request.runId}`;
}

export function checkpointPrefix(request: RunIds, step: number): string {
  return `${runPrefix(request)}/checkpoints/step-${String(step).padStart(8, '0')}`;
}

export function stepOfCheckpoint(prefix: string): number | undefined {
  const match = /\/checkpoints\/step-(\d{8})$/.exec(prefix);
  return match ? Number(match[1]) : undefined;
}
