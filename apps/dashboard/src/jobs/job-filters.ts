import type { FineTuningJob } from '../api/types';

export type StatusFilter = 'all' | 'active' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';

const ACTIVE = new Set(['validating_files', 'queued', 'running', 'paused']);

/** The method a job trains with, in the API's words (`supervised`, `dpo`, ...). */
export function methodOf(job: FineTuningJob): string {
  return job.method?.type ?? 'supervised';
}

/**
 * The jobs a filter keeps: by status group, and by a search over what a person remembers of a job (its id, base or
 * tuned model, suffix, method, metadata values), case-insensitive, every word of the search matching somewhere.
 */
export function filterJobs(jobs: readonly FineTuningJob[], status: StatusFilter, search: string): FineTuningJob[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  return jobs.filter((job) => {
    if (status === 'active' && !ACTIVE.has(job.status)) return false;
    if (status === 'waiting' && job.status_details?.waiting_for !== 'approval') return false;
    if ((status === 'succeeded' || status === 'failed' || status === 'cancelled') && job.status !== status) return false;
    if (words.length === 0) return true;
    const haystack = [job.id, job.model, job.fine_tuned_model ?? '', job.suffix ?? '', methodOf(job), job.status, ...Object.values(job.metadata ?? {})].join(' ').toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}
