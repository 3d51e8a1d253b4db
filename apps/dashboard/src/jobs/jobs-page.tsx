import { useState } from 'react';
import { useSession } from '../auth/session';
import { Link, useLocation } from '../routing/router';
import { paths } from '../routing/routes';
import { ErrorBanner } from '../ui/error-banner';
import { formatDuration, formatTime, jobDuration } from '../ui/format';
import { StatusBadge } from '../ui/status-badge';
import { useAsync } from '../ui/use-async';
import { filterJobs, methodOf, type StatusFilter } from './job-filters';
import { NewJobForm } from './new-job-form';

/** The tenant's jobs, refreshed while the page is open, with a filter, a search and the new-job form. */
export function JobsPage() {
  const { client } = useSession();
  const { navigate } = useLocation();
  const jobs = useAsync(() => client.listJobs(), [client], 5_000);
  const models = useAsync(() => client.models(), [client]);
  const [status, setStatus] = useState<StatusFilter>('all');
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const shown = filterJobs(jobs.data ?? [], status, search);

  return (
    <>
      <div className="page-header">
        <h1>Jobs</h1>
        <button type="button" aria-expanded={creating} aria-controls="new-job" onClick={() => setCreating(!creating)}>
          {creating ? 'Close the form' : 'New job'}
        </button>
      </div>
      {creating && (
        <div id="new-job">
          <NewJobForm models={models.data ?? []} onCreated={(job) => navigate(paths.job(job.id))} />
        </div>
      )}
      <ErrorBanner error={jobs.error ?? models.error} />
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="job-search">Search</label>
          <input id="job-search" type="search" placeholder="id, model, suffix, metadata…" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="job-status">Status</label>
          <select id="job-status" value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
            <option value="all">All</option>
            <option value="active">Active</option>
            <option value="waiting">Waiting for approval</option>
            <option value="succeeded">Succeeded</option>
            <option value="failed">Failed</option>
            <option value="cancelled">Cancelled</option>
          </select>
        </div>
      </div>
      <table className="jobs">
        <caption className="visually-hidden">Fine-tuning jobs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Status</th>
            <th scope="col">Base model</th>
            <th scope="col">Method</th>
            <th scope="col">Created</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((job) => (
            <tr key={job.id} data-job-id={job.id}>
              <td>
                <Link to={paths.job(job.id)}>{job.id}</Link>
                {job.fine_tuned_model && <div className="muted small">{job.fine_tuned_model}</div>}
              </td>
              <td>
                <StatusBadge status={job.status} waiting={job.status_details?.waiting_for === 'approval'} />
              </td>
              <td>{job.model}</td>
              <td>{methodOf(job)}</td>
              <td>{formatTime(job.created_at)}</td>
              <td>{formatDuration(jobDuration(job))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!jobs.loading && shown.length === 0 && <p className="muted">{jobs.data?.length ? 'No job matches the filter.' : 'No jobs yet: create one with “New job”.'}</p>}
    </>
  );
}
