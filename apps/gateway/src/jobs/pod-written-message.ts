import { insideRunArea } from '@tuneforge/contracts';
import { defineMeter, type Logger } from '@tuneforge/telemetry';
import type { JobRepository } from './job-repository';

/**
 * Training pods run tenants' data through a model and hold Kafka credentials of their own (principal `train-pod`,
 * docs/security.md); one principal serves every pod, so the broker cannot tell one pod's messages from another's. A
 * message on a topic pods may write to is therefore a claim: its `tenant` and `jobId` are checked against the
 * gateway's own record of the job (Postgres), and its artifact must lie inside that job's run. A message that fails is
 * dropped with an error line and counted (alert on any increase): it is either a bug or a pod speaking for another.
 */
const meter = defineMeter('@tuneforge/gateway');
const rejected = meter.counter('tuneforge.gateway.pod_messages_rejected', {
  description: 'Messages on pod-writable topics dropped because their tenant, job or artifact did not match the job of record.',
  unit: '{message}',
});

export type PodClaimRejection = 'unknown_job' | 'tenant_mismatch' | 'artifact_outside_run';

export interface PodClaim {
  topic: string;
  messageId: string;
  /** The envelope's tenant: what the pod says. */
  tenant: string;
  jobId: string;
  runId: string;
  /** An artifact prefix the message names, tenant-relative; it must be under `jobs/<jobId>/training/<runId>/`. */
  artifact?: string;
}

export type PodClaimVerdict = { ok: true; tenant: string } | { ok: false; reason: PodClaimRejection };

/** The tenant of record for a pod's message, or why the message is dropped (logged and counted here). */
export async function verifyPodClaim(jobs: JobRepository, claim: PodClaim, logger: Logger): Promise<PodClaimVerdict> {
  const owners = await jobs.ownersOf(claim.jobId);
  const verdict = judge(owners, claim);
  if (verdict.ok) return verdict;
  rejected.add(1, { topic: claim.topic, reason: verdict.reason });
  const context = { topic: claim.topic, messageId: claim.messageId, claimedTenant: claim.tenant, jobId: claim.jobId, runId: claim.runId, artifact: claim.artifact, owners, reason: verdict.reason };
  // An unknown job is also what a message for another deployment sharing the bus looks like: a warning, as elsewhere.
  if (verdict.reason === 'unknown_job') logger.warn(context, 'pod message dropped: the job is not in the metadata database');
  else logger.error(context, 'pod message dropped: it does not match the job of record (a pod speaking for another job or tenant?)');
  return verdict;
}

function judge(owners: readonly string[], claim: PodClaim): PodClaimVerdict {
  // Two owners of one id would make the claimed tenant the only tie-breaker, which is exactly what is not trusted.
  if (owners.length !== 1) return owners.length === 0 ? { ok: false, reason: 'unknown_job' } : { ok: false, reason: 'tenant_mismatch' };
  const [owner] = owners;
  if (owner !== claim.tenant) return { ok: false, reason: 'tenant_mismatch' };
  if (claim.artifact !== undefined && !insideRunArea(claim.artifact, claim.jobId, claim.runId)) return { ok: false, reason: 'artifact_outside_run' };
  return { ok: true, tenant: owner };
}
