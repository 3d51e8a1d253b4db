import { useState } from 'react';
import type { FineTuningJob } from '../api/types';
import { useSession } from '../auth/session';
import { Link } from '../routing/router';
import { paths } from '../routing/routes';
import { ErrorBanner } from '../ui/error-banner';
import { formatDuration, formatTime, jobDuration } from '../ui/format';
import { StatusBadge } from '../ui/status-badge';
import { useAsync } from '../ui/use-async';
import { CheckpointsTable } from './checkpoints-table';
import { CurvesPanel } from './curves-panel';
import { EventsList } from './events-list';
import { IterationsPanel } from './iterations-panel';
import { JaegerLink } from './jaeger-link';
import { methodOf } from './job-filters';
import { useJobEvents } from './use-job-events';

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/** One job: its state, live curves, events, checkpoints and iterations; pause, resume or cancel it. */
export function JobDetailPage({ jobId }: { jobId: string }) {
  const { client } = useSession();
  const stream = useJobEvents(client, jobId);
  // Job, checkpoints and iterations are read again when the story moves on (a message event: a stage began or ended, a
  // question, a checkpoint), not at every step's metrics, which would spend the key's rate limit on nothing new.
  const story = stream.events.filter((event) => event.type !== 'metrics').length;
  const job = useAsync(() => client.job(jobId), [client, jobId, story, stream.ended], 10_000);
  const checkpoints = useAsync(() => client.checkpoints(jobId), [client, jobId, story, stream.ended]);
  const iterations = useAsync(() => client.iterations(jobId), [client, jobId, story, stream.ended]);
  const [withMetrics, setWithMetrics] = useState(false);

  if (job.error && !job.data) return <ErrorBanner error={job.error} />;
  if (!job.data) return <p role="status">Loading {jobId}…</p>;
  const current = job.data;
  return (
    <>
      <div className="page-header">
        <h1>
          Job <code>{current.id}</code>
        </h1>
        <JobActions job={current} onChanged={job.reload} />
      </div>
      <JobFacts job={current} />
      {current.status_details?.waiting_for === 'approval' && (
        <p className="notice" role="status">
          Waiting for your answer: “{current.status_details.approval.question}” <Link to={`${paths.approvals}?job=${encodeURIComponent(current.id)}`}>Answer it on the Approvals page</Link>
        </p>
      )}
      <section aria-labelledby="curves-title">
        <h2 id="curves-title">Training curves{!stream.ended && !ENDED.has(current.status) ? ' (live)' : ''}</h2>
        <ErrorBanner error={stream.error} />
        <CurvesPanel events={stream.events} />
      </section>
      <section aria-labelledby="iterations-title">
        <h2 id="iterations-title">Iterations</h2>
        <ErrorBanner error={iterations.error} />
        <IterationsPanel jobId={jobId} iterations={iterations.data ?? []} />
      </section>
      <section aria-labelledby="checkpoints-title">
        <h2 id="checkpoints-title">Checkpoints</h2>
        <CheckpointsTable checkpoints={checkpoints.data ?? []} />
      </section>
      <section aria-labelledby="events-title">
        <h2 id="events-title">Events</h2>
        <label className="inline">
          <input type="checkbox" checked={withMetrics} onChange={(e) => setWithMetrics(e.target.checked)} /> Show step metrics
        </label>
        <EventsList events={stream.events} withMetrics={withMetrics} />
      </section>
    </>
  );
}

function JobFacts({ job }: { job: FineTuningJob }) {
  return (
    <dl className="facts">
      <dt>Status</dt>
      <dd>
        <StatusBadge status={job.status} waiting={job.status_details?.waiting_for === 'approval'} />
      </dd>
      <dt>Base model</dt>
      <dd>{job.model}</dd>
      <dt>Method</dt>
      <dd>{methodOf(job)}</dd>
      <dt>Created</dt>
      <dd>{formatTime(job.created_at)}</dd>
      <dt>Duration</dt>
      <dd>{formatDuration(jobDuration(job))}</dd>
      <dt>Tuned model</dt>
      <dd>{job.fine_tuned_model ? <code>{job.fine_tuned_model}</code> : '—'}</dd>
      {job.trained_tokens !== null && (
        <>
          <dt>Trained tokens</dt>
          <dd>{job.trained_tokens.toLocaleString()}</dd>
        </>
      )}
      {job.error && (
        <>
          <dt>Error</dt>
          <dd className="error">
            {job.error.message}
            {job.error.param ? ` (${job.error.param})` : ''}
          </dd>
        </>
      )}
      <dt>Reports</dt>
      <dd>
        <Link to={paths.evaluation(job.id)}>Evaluation</Link> · <Link to={paths.data(job.id)}>Data quality</Link> · <JaegerLink jobId={job.id} createdAt={job.created_at} />
      </dd>
    </dl>
  );
}

function JobActions({ job, onChanged }: { job: FineTuningJob; onChanged(): void }) {
  const { client } = useSession();
  const [error, setError] = useState<Error | null>(null);
  if (ENDED.has(job.status)) return null;
  const act = async (action: 'pause' | 'resume' | 'cancel') => {
    if (action === 'cancel' && !window.confirm(`Cancel ${job.id}? A cancelled job keeps no model.`)) return;
    try {
      setError(null);
      await client.control(job.id, action);
      onChanged();
    } catch (caught) {
      setError(caught as Error);
    }
  };
  return (
    <div className="actions">
      {job.status === 'paused' ? (
        <button type="button" onClick={() => act('resume')}>
          Resume
        </button>
      ) : (
        <button type="button" onClick={() => act('pause')}>
          Pause
        </button>
      )}
      <button type="button" className="danger" onClick={() => act('cancel')}>
        Cancel job
      </button>
      <ErrorBanner error={error} />
    </div>
  );
}
