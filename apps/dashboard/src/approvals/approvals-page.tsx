import type { Approval } from '../api/types';
import { useSession } from '../auth/session';
import { useLocation } from '../routing/router';
import { ErrorBanner } from '../ui/error-banner';
import { useAsync } from '../ui/use-async';
import { ApprovalCard } from './approval-card';

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Every question the tenant's running jobs wait on (or one job's, with `?job=`), oldest first, checked again every few
 * seconds: a job asks while you look.
 */
export function ApprovalsPage() {
  const { client } = useSession();
  const { search } = useLocation();
  const only = new URLSearchParams(search).get('job');
  const pending = useAsync(
    async (): Promise<Approval[]> => {
      const jobs = (await client.listJobs()).filter((job) => !ENDED.has(job.status) && (!only || job.id === only));
      const lists = await Promise.all(jobs.map((job) => client.approvals(job.id)));
      return lists
        .flat()
        .filter((approval) => approval.status === 'pending')
        .sort((a, b) => a.created_at - b.created_at);
    },
    [client, only],
    4_000,
  );
  return (
    <>
      <h1>Approvals</h1>
      <p className="muted">{only ? `Questions of job ${only}.` : 'Questions your jobs are waiting on.'}</p>
      <ErrorBanner error={pending.error} />
      {pending.data?.length === 0 && <p role="status">Nothing is waiting for an answer.</p>}
      {pending.data?.map((approval) => (
        <ApprovalCard key={approval.id} approval={approval} onAnswered={pending.reload} />
      ))}
    </>
  );
}
