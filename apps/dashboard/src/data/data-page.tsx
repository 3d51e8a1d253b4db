import { useSession } from '../auth/session';
import { Link, useLocation } from '../routing/router';
import { paths } from '../routing/routes';
import { ErrorBanner } from '../ui/error-banner';
import { JobPicker } from '../ui/job-picker';
import { useAsync } from '../ui/use-async';
import { QualityReportView } from './quality-report-view';

/** The quality report of the data a job trained on (`?iteration=n`, default the latest trained iteration). */
export function DataPage({ jobId }: { jobId?: string }) {
  const { client } = useSession();
  const { navigate, search } = useLocation();
  const iteration = Number(new URLSearchParams(search).get('iteration')) || undefined;
  const jobs = useAsync(() => client.listJobs(), [client]);
  const report = useAsync(async () => (jobId ? client.dataReport(jobId, iteration) : undefined), [client, jobId, iteration]);
  return (
    <>
      <h1>Data quality</h1>
      <JobPicker jobs={jobs.data ?? []} value={jobId} onChange={(id) => navigate(paths.data(id))} />
      <ErrorBanner error={jobs.error} />
      {jobId && report.error && (
        <p role="status">
          {report.error.message} <Link to={paths.job(jobId)}>Back to the job</Link>
        </p>
      )}
      {report.data && <QualityReportView report={report.data} />}
    </>
  );
}
