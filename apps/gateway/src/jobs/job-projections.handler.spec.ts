import { createMessage, jobApprovalAnsweredV1, jobApprovalRequestedV1, jobLifecycleEventV1, jobLifecycleStatusChangedV1, trainingCheckpointSavedV1, type JobStatus } from '@tuneforge/contracts';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturingLogger, insertJob, openMetadata, type Metadata } from '../testing/metadata-fixtures';
import { JobProjectionsHandler } from './job-projections.handler';

describe('JobProjectionsHandler', () => {
  const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-gateway-projections-')));
  const { logger, lines } = capturingLogger();
  let metadata: Metadata;
  let handler: JobProjectionsHandler;
  const tenant = 'tenant-p';
  let jobId: string;
  const opts = () => ({ correlationId: jobId, tenant });
  const status = (s: JobStatus, changed_at: number, trained_tokens: number | null = null) =>
    createMessage(jobLifecycleStatusChangedV1, { jobId, status: s, fine_tuned_model: null, result_files: [], trained_tokens, error: null, changed_at }, opts());

  beforeAll(async () => {
    metadata = await openMetadata();
    handler = new JobProjectionsHandler(store, metadata.jobs, metadata.files, logger);
    jobId = (await insertJob(metadata.jobs, tenant)).id;
  });
  afterAll(() => metadata.db.close());

  it('records each status, event and approval once: a redelivery changes nothing', async () => {
    await handler.onStatus(status('running', 5));
    await handler.onStatus(status('running', 5));
    expect((await metadata.jobs.currentStatus(tenant, jobId))?.status).toBe('running');
    expect(await metadata.db.query('SELECT status FROM job_statuses WHERE job_id = $1', [jobId])).toEqual([{ status: 'running' }]);

    const event = createMessage(jobLifecycleEventV1, { jobId, id: 'e/1 odd id', level: 'info', message: 'hello', type: 'message', data: null, created_at: 5 }, opts());
    await handler.onEvent(event);
    const first = await metadata.jobs.eventsPage(tenant, jobId, undefined, 10);
    await new Promise((r) => setTimeout(r, 5));
    await handler.onEvent(event);
    expect(await metadata.jobs.eventsPage(tenant, jobId, undefined, 10)).toEqual(first);
    expect(first.events.map((e) => e.id)).toEqual(['e/1 odd id']);
  });

  it('a status raises the job only when it is further than the furthest so far, with its finish time and trained tokens', async () => {
    const other = (await insertJob(metadata.jobs, tenant)).id;
    const jobRow = () => metadata.db.query('SELECT status, status_rank, finished_at, trained_tokens FROM jobs WHERE tenant = $1 AND id = $2', [tenant, other]);
    const send = (s: JobStatus, at: number, tokens: number | null = null) =>
      handler.onStatus(createMessage(jobLifecycleStatusChangedV1, { jobId: other, status: s, fine_tuned_model: null, result_files: [], trained_tokens: tokens, error: null, changed_at: at }, { correlationId: other, tenant }));
    await send('running', 10);
    expect(await jobRow()).toEqual([{ status: 'running', status_rank: 2, finished_at: null, trained_tokens: null }]);
    await send('failed', 20, 1234);
    // A change that arrives late (queued after failed) is kept as a record but does not move the job back.
    await send('queued', 5);
    expect(await jobRow()).toEqual([{ status: 'failed', status_rank: 4, finished_at: 20, trained_tokens: 1234 }]);
    expect((await metadata.db.query('SELECT status FROM job_statuses WHERE job_id = $1 ORDER BY status', [other])).map((r) => r.status)).toEqual(['failed', 'queued', 'running']);
  });

  it('a question the policy answered is recorded answered by the policy', async () => {
    const request = createMessage(
      jobApprovalRequestedV1,
      { approvalId: 'ap-1', jobId, stage: 'training_halfway', question: 'Continue?', options: ['approve', 'reject'], context: {}, autoAnswer: 'approve', decideAt: null, decisionOnTimeout: null, created_at: 7 },
      opts(),
    );
    await handler.onApprovalRequested(request);
    await handler.onApprovalRequested(request);
    const approvals = await metadata.jobs.approvals(tenant, jobId);
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({ id: 'ap-1', status: 'answered', decision: 'approve', answered_by: 'policy', answered_at: 7 });
    // Another tenant sees nothing of it.
    expect(await metadata.jobs.approvals('tenant-q', jobId)).toEqual([]);
  });

  it("a question nobody answered in time gets the policy's answer, with why; a human's answer is the gateway's own", async () => {
    const asked = { jobId, stage: 'training_halfway' as const, question: 'Continue?', options: ['approve' as const, 'reject' as const], context: {}, autoAnswer: null, decideAt: 60, decisionOnTimeout: 'approve' as const, created_at: 0 };
    await handler.onApprovalRequested(createMessage(jobApprovalRequestedV1, { ...asked, approvalId: 'ap-2' }, opts()));
    const approval = async (id: string) => (await metadata.jobs.approvals(tenant, jobId)).find((a) => a.id === id);
    expect(await approval('ap-2')).toMatchObject({ status: 'pending' });
    const timedOut = { approvalId: 'ap-2', jobId, decision: 'approve' as const, answeredBy: 'policy' as const, comment: 'no answer before the question timed out' };
    await handler.onApprovalAnswered(createMessage(jobApprovalAnsweredV1, timedOut, opts()));
    expect(await approval('ap-2')).toMatchObject({ status: 'answered', decision: 'approve', answered_by: 'policy', comment: 'no answer before the question timed out' });

    await handler.onApprovalRequested(createMessage(jobApprovalRequestedV1, { ...asked, approvalId: 'ap-3' }, opts()));
    await handler.onApprovalAnswered(createMessage(jobApprovalAnsweredV1, { approvalId: 'ap-3', jobId, decision: 'reject', answeredBy: 'human' }, opts()));
    expect(await approval('ap-3')).toMatchObject({ status: 'pending' });
  });

  it("a checkpoint's retirement (retention, announced on a later checkpoint) takes the retired rows out of the job's checkpoints", async () => {
    const saved = (step: number, retiredSteps?: number[]) =>
      createMessage(trainingCheckpointSavedV1, { runId: 'run-r', jobId, step, artifact: `jobs/${jobId}/training/run-r/checkpoints/step-${step}`, metrics: { step, train_loss: 1 / step }, ...(retiredSteps ? { retiredSteps } : {}) }, opts());
    const steps = async () => (await metadata.jobs.checkpoints(tenant, jobId)).map((c) => c.step).sort((a, b) => a - b);
    await handler.onCheckpoint(saved(1));
    await handler.onCheckpoint(saved(2));
    await handler.onCheckpoint(saved(3, [1]));
    expect(await steps()).toEqual([2, 3]);
    // A repeated message changes nothing; a later one may retire several at once (steps already gone included).
    await handler.onCheckpoint(saved(3, [1]));
    await handler.onCheckpoint(saved(4, [1, 2]));
    expect(await steps()).toEqual([3, 4]);
  });

  describe('a checkpoint, published by a training pod, is checked against the job of record', () => {
    const checkpoints = async (t: string, id: string) => (await metadata.jobs.checkpoints(t, id)).map((c) => c.step);
    const saved = (claim: { tenant: string; jobId: string; runId?: string; artifact?: string }, step = 1) =>
      createMessage(
        trainingCheckpointSavedV1,
        { runId: claim.runId ?? 'run-c', jobId: claim.jobId, step, artifact: claim.artifact ?? `jobs/${claim.jobId}/training/${claim.runId ?? 'run-c'}/checkpoints/step-${step}`, metrics: { step, train_loss: 1 } },
        { correlationId: claim.jobId, tenant: claim.tenant },
      );
    const rejections = (jobIdOf: string) => lines.filter((line) => line.jobId === jobIdOf && String(line.msg).startsWith('pod message dropped'));

    it("a message naming another tenant's job is dropped and flagged, and that tenant's job is untouched", async () => {
      const victim = (await insertJob(metadata.jobs, 'tenant-victim')).id;
      // A pod of tenant-p speaks for tenant-victim's job (its envelope claims tenant-victim) ...
      await handler.onCheckpoint(saved({ tenant: 'tenant-victim', jobId: victim, artifact: `jobs/${jobId}/training/run-c/checkpoints/step-1` }));
      // ... or names the victim's job under its own tenant.
      await handler.onCheckpoint(saved({ tenant, jobId: victim }));
      expect(await checkpoints('tenant-victim', victim)).toEqual([]);
      expect(await checkpoints(tenant, victim)).toEqual([]);
      const flagged = rejections(victim);
      expect(flagged.map((line) => [line.level, line.reason, line.claimedTenant])).toEqual([
        ['error', 'artifact_outside_run', 'tenant-victim'],
        ['error', 'tenant_mismatch', tenant],
      ]);
      expect(flagged[1]!.owners).toEqual(['tenant-victim']);
    });

    it('a message whose artifact lies outside its own run is dropped', async () => {
      const own = (await insertJob(metadata.jobs, tenant)).id;
      for (const artifact of [`jobs/${own}/training/run-other/checkpoints/step-1`, `jobs/${own}/training/run-c/../run-other/x`, 'files/file-abc', `jobs/${own}/training/run-c`]) {
        await handler.onCheckpoint(saved({ tenant, jobId: own, artifact }));
      }
      expect(await checkpoints(tenant, own)).toEqual([]);
      expect(rejections(own).map((line) => line.reason)).toEqual(['artifact_outside_run', 'artifact_outside_run', 'artifact_outside_run', 'artifact_outside_run']);
      // The same message, true in every part, is recorded.
      await handler.onCheckpoint(saved({ tenant, jobId: own }, 2));
      expect(await checkpoints(tenant, own)).toEqual([2]);
    });

    it('a message for a job nobody has is dropped with a warning', async () => {
      await handler.onCheckpoint(saved({ tenant, jobId: 'ftjob-0000000000nowhere' }));
      expect(rejections('ftjob-0000000000nowhere').map((line) => [line.level, line.reason])).toEqual([['warn', 'unknown_job']]);
    });
  });

  it('skips, with a log line, a message about a job the database does not know', async () => {
    const unknown = 'ftjob-0000000000elsewhere';
    const o = { correlationId: unknown, tenant };
    await handler.onEvent(createMessage(jobLifecycleEventV1, { jobId: unknown, id: 'e1', level: 'info', message: 'x', type: 'message', data: null, created_at: 1 }, o));
    await handler.onStatus(createMessage(jobLifecycleStatusChangedV1, { jobId: unknown, status: 'succeeded', fine_tuned_model: 'ft:x', result_files: [], trained_tokens: 1, error: null, changed_at: 2 }, o));
    await handler.onApprovalRequested(
      createMessage(jobApprovalRequestedV1, { approvalId: 'ap-x', jobId: unknown, stage: 'training_halfway', question: '?', options: ['approve'], context: {}, autoAnswer: 'approve', decideAt: null, decisionOnTimeout: null, created_at: 1 }, o),
    );
    const skipped = lines.filter((line) => line.jobId === unknown);
    expect(skipped.map((line) => line.topic)).toEqual(['job.lifecycle.event.v1', 'job.lifecycle.status-changed.v1', 'job.approval.requested.v1']);
    expect(skipped.every((line) => line.level === 'warn' && String(line.msg).includes('not in the metadata database'))).toBe(true);
    expect(await metadata.db.query('SELECT count(*)::int AS n FROM files')).toEqual([{ n: 0 }]);
  });
});
