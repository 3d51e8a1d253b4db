import type { JobStatus } from '../api/types';

const LABELS: Record<JobStatus, string> = {
  validating_files: 'Validating files',
  queued: 'Queued',
  running: 'Running',
  paused: 'Paused',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** A job's status in words (never colour alone), with a shape per state for a quick scan. */
export function StatusBadge({ status, waiting }: { status: JobStatus; waiting?: boolean }) {
  return (
    <span className={`badge badge-${status}`}>
      {LABELS[status] ?? status}
      {waiting ? ' · waiting for approval' : ''}
    </span>
  );
}
