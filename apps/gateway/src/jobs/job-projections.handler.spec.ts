import { createMessage, jobApprovalRequestedV1, jobLifecycleEventV1, jobLifecycleStatusChangedV1 } from '@tuneforge/contracts';
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
      { approvalId: 'ap-1', jobId, stage: 'training_halfway', question: 'Continue?', options: ['approve', 'reject'], context: {}, autoAnswer: 'approve', created_at: 7 },
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
});
