import { useId } from 'react';
import type { FineTuningJob } from '../api/types';

interface Props {
  jobs: FineTuningJob[];
  value: string | undefined;
  onChange(jobId: string): void;
  label?: string;
}

/** Choose one of the tenant's jobs (the Evaluation and Data pages show one job's reports). */
export function JobPicker({ jobs, value, onChange, label = 'Job' }: Props) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        <option value="" disabled>
          Choose a job…
        </option>
        {jobs.map((job) => (
          <option key={job.id} value={job.id}>
            {job.id} · {job.model} · {job.status}
          </option>
        ))}
      </select>
    </div>
  );
}
