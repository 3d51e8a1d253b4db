import { createMessage, jobApprovalAnsweredV1, jobApprovalRequestedV1, jobLifecycleEventV1, jobLifecycleStatusChangedV1 } from '@tuneforge/contracts';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobProjectionsHandler } from './job-projections.handler';
import { answerKey, approvalKey, eventKey, eventRecordSchema, statusKey } from './job-record';

describe('JobProjectionsHandler', () => {
  const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-gateway-projections-')));
  const handler = new JobProjectionsHandler(store);
  const tenant = 'tenant-p';
  const jobId = 'ftjob-p1';
  const opts = { correlationId: jobId, tenant };

  it('records each status, event and approval once: a redelivery changes nothing', async () => {
    const status = createMessage(jobLifecycleStatusChangedV1, { jobId, status: 'running', fine_tuned_model: null, result_files: [], trained_tokens: null, error: null, changed_at: 5 }, opts);
    await handler.onStatus(status);
    await handler.onStatus(status);
    expect(await store.forTenant(tenant).exists(statusKey(jobId, 'running'))).toBe(true);

    const event = createMessage(jobLifecycleEventV1, { jobId, id: 'e/1 odd id', level: 'info', message: 'hello', type: 'message', data: null, created_at: 5 }, opts);
    await handler.onEvent(event);
    const first = await store.forTenant(tenant).getJson(eventKey(jobId, 'e/1 odd id'), eventRecordSchema);
    await new Promise((r) => setTimeout(r, 5));
    await handler.onEvent(event);
    expect(await store.forTenant(tenant).getJson(eventKey(jobId, 'e/1 odd id'), eventRecordSchema)).toEqual(first);
  });

  it('a question the policy answered is recorded answered by the policy', async () => {
    const request = createMessage(
      jobApprovalRequestedV1,
      { approvalId: 'ap-1', jobId, stage: 'training_halfway', question: 'Continue?', options: ['approve', 'reject'], context: {}, autoAnswer: 'approve', decideAt: null, decisionOnTimeout: null, created_at: 7 },
      opts,
    );
    await handler.onApprovalRequested(request);
    await handler.onApprovalRequested(request);
    const s = store.forTenant(tenant);
    expect(await s.exists(approvalKey(jobId, 'ap-1'))).toBe(true);
    expect(await s.getJson(answerKey(jobId, 'ap-1'))).toEqual({ decision: 'approve', answered_by: 'policy', answered_at: 7 });
    // Another tenant's store holds nothing of it.
    expect(await store.forTenant('tenant-q').exists(approvalKey(jobId, 'ap-1'))).toBe(false);
  });

  it("a question nobody answered in time gets the policy's answer, with why; a human's answer is the gateway's own", async () => {
    const asked = { jobId, stage: 'training_halfway' as const, question: 'Continue?', options: ['approve' as const, 'reject' as const], context: {}, autoAnswer: null, decideAt: 60, decisionOnTimeout: 'approve' as const, created_at: 0 };
    await handler.onApprovalRequested(createMessage(jobApprovalRequestedV1, { ...asked, approvalId: 'ap-2' }, opts));
    const s = store.forTenant(tenant);
    expect(await s.exists(answerKey(jobId, 'ap-2'))).toBe(false);
    const timedOut = { approvalId: 'ap-2', jobId, decision: 'approve' as const, answeredBy: 'policy' as const, comment: 'no answer before the question timed out' };
    await handler.onApprovalAnswered(createMessage(jobApprovalAnsweredV1, timedOut, opts));
    expect(await s.getJson(answerKey(jobId, 'ap-2'))).toMatchObject({ decision: 'approve', answered_by: 'policy', comment: 'no answer before the question timed out' });

    await handler.onApprovalRequested(createMessage(jobApprovalRequestedV1, { ...asked, approvalId: 'ap-3' }, opts));
    await handler.onApprovalAnswered(createMessage(jobApprovalAnsweredV1, { approvalId: 'ap-3', jobId, decision: 'reject', answeredBy: 'human' }, opts));
    expect(await s.exists(answerKey(jobId, 'ap-3'))).toBe(false);
  });
});
