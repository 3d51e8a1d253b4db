import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { jobApprovalAnsweredV1, jobApprovalRequestedV1, jobIterationRecordedV1, jobLifecycleEventV1, jobLifecycleStatusChangedV1, trainingCheckpointSavedV1, type MessageOf } from '@tuneforge/contracts';
import { ARTIFACT_STORE } from '@tuneforge/service-kit';
import { ArtifactExistsError, type ArtifactStore } from '@tuneforge/storage';
import { answerKey, approvalKey, checkpointKey, eventKey, iterationKey, statusKey, type AnswerRecord, type CheckpointRecord, type EventRecord } from './job-record';
import { writeResultFiles } from './job-result-files';

/**
 * Keeps the jobs' projections in each tenant's store (one consumer group for all gateway instances: they
 * all read the same store). Every write is create-only under a key the message determines, so a redelivered
 * message finds its object there and changes nothing.
 */
@Controller()
export class JobProjectionsHandler {
  constructor(@Inject(ARTIFACT_STORE) private readonly store: ArtifactStore) {}

  @EventPattern(jobLifecycleStatusChangedV1.name)
  async onStatus(@Payload() message: MessageOf<typeof jobLifecycleStatusChangedV1>): Promise<void> {
    // A succeeded job's result files (the step-metrics CSV) exist before the job is shown succeeded.
    if (message.payload.status === 'succeeded') await writeResultFiles(this.store.forTenant(message.tenant), message.payload);
    await this.createOnly(message.tenant, statusKey(message.payload.jobId, message.payload.status), message.payload);
  }

  @EventPattern(jobLifecycleEventV1.name)
  async onEvent(@Payload() message: MessageOf<typeof jobLifecycleEventV1>): Promise<void> {
    const record: EventRecord = { ...message.payload, received_at: Date.now() };
    await this.createOnly(message.tenant, eventKey(message.payload.jobId, message.payload.id), record);
  }

  @EventPattern(trainingCheckpointSavedV1.name)
  async onCheckpoint(@Payload() message: MessageOf<typeof trainingCheckpointSavedV1>): Promise<void> {
    const record: CheckpointRecord = { ...message.payload, created_at: Math.floor(Date.parse(message.createdAt) / 1000) || Math.floor(Date.now() / 1000) };
    await this.createOnly(message.tenant, checkpointKey(message.payload.jobId, message.payload.runId, message.payload.step), record);
  }

  @EventPattern(jobIterationRecordedV1.name)
  async onIteration(@Payload() message: MessageOf<typeof jobIterationRecordedV1>): Promise<void> {
    const { jobId, iteration, stage } = message.payload;
    await this.createOnly(message.tenant, iterationKey(jobId, iteration, stage), message.payload);
  }

  /** A question the policy answers at once is recorded answered by the policy; no human can answer it. */
  @EventPattern(jobApprovalRequestedV1.name)
  async onApprovalRequested(@Payload() message: MessageOf<typeof jobApprovalRequestedV1>): Promise<void> {
    const request = message.payload;
    if (request.autoAnswer) {
      const answer: AnswerRecord = { decision: request.autoAnswer, answered_by: 'policy', answered_at: request.created_at };
      await this.createOnly(message.tenant, answerKey(request.jobId, request.approvalId), answer);
    }
    await this.createOnly(message.tenant, approvalKey(request.jobId, request.approvalId), request);
  }

  /**
   * The policy's answers, a timed-out question's among them, are recorded as the question's answer. A human's
   * answer was recorded by the gateway before it was sent, so its copy here changes nothing.
   */
  @EventPattern(jobApprovalAnsweredV1.name)
  async onApprovalAnswered(@Payload() message: MessageOf<typeof jobApprovalAnsweredV1>): Promise<void> {
    const { jobId, approvalId, decision, answeredBy, comment } = message.payload;
    if (answeredBy !== 'policy') return;
    const answer: AnswerRecord = { decision, answered_by: 'policy', answered_at: Math.floor(Date.parse(message.createdAt) / 1000) || Math.floor(Date.now() / 1000), ...(comment ? { comment } : {}) };
    await this.createOnly(message.tenant, answerKey(jobId, approvalId), answer);
  }

  private async createOnly(tenant: string, key: string, value: unknown): Promise<void> {
    try {
      await this.store.forTenant(tenant).put(key, JSON.stringify(value), { contentType: 'application/json' });
    } catch (error) {
      if (!(error instanceof ArtifactExistsError)) throw error;
    }
  }
}
