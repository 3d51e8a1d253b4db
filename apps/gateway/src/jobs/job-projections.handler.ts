import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { jobApprovalAnsweredV1, jobApprovalRequestedV1, jobIterationRecordedV1, jobLifecycleEventV1, jobLifecycleStatusChangedV1, trainingCheckpointSavedV1, type MessageOf } from '@tuneforge/contracts';
import { ARTIFACT_STORE, LOGGER } from '@tuneforge/service-kit';
import type { ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { FileRepository } from '../files/file-repository';
import type { AnswerRecord, CheckpointRecord, EventRecord } from './job-record';
import { JobRepository, type RecordOutcome } from './job-repository';
import { writeResultFiles } from './job-result-files';
import { verifyPodClaim } from './pod-written-message';

/**
 * Keeps the jobs' projections in the metadata database (one consumer group for all gateway instances: they all
 * share the database). Every message becomes an idempotent insert under the key it determines (`ON CONFLICT DO
 * NOTHING`), so a redelivered message changes nothing.
 *
 * A message about a job the database does not know (published for a job created elsewhere: another deployment
 * sharing the bus, a test publishing on its own) is skipped with a log line rather than retried: the job's row is
 * written before the job is announced (the outbox), so no message of a job this gateway created can arrive first.
 */
@Controller()
export class JobProjectionsHandler {
  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(FileRepository) private readonly files: FileRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(jobLifecycleStatusChangedV1.name)
  async onStatus(@Payload() message: MessageOf<typeof jobLifecycleStatusChangedV1>): Promise<void> {
    const { jobId, status } = message.payload;
    if (status === 'succeeded') {
      if (!(await this.jobs.exists(message.tenant, jobId))) return this.skipped(message.tenant, jobId, jobLifecycleStatusChangedV1.name);
      // A succeeded job's result files (the step-metrics CSV) exist before the job is shown succeeded.
      await writeResultFiles(this.store, this.jobs, this.files, message.tenant, message.payload);
    }
    this.check(await this.jobs.recordStatus(message.tenant, message.payload), message.tenant, jobId, jobLifecycleStatusChangedV1.name);
  }

  @EventPattern(jobLifecycleEventV1.name)
  async onEvent(@Payload() message: MessageOf<typeof jobLifecycleEventV1>): Promise<void> {
    const record: EventRecord = { ...message.payload, received_at: Date.now() };
    this.check(await this.jobs.recordEvent(message.tenant, record), message.tenant, record.jobId, jobLifecycleEventV1.name);
  }

  /**
   * Training pods publish this topic themselves: the tenant is the job's of record, and a message whose tenant, job
   * or artifact does not match it is dropped and flagged (pod-written-message.ts), never recorded.
   */
  @EventPattern(trainingCheckpointSavedV1.name)
  async onCheckpoint(@Payload() message: MessageOf<typeof trainingCheckpointSavedV1>): Promise<void> {
    const { jobId, runId, artifact } = message.payload;
    const verdict = await verifyPodClaim(this.jobs, { topic: trainingCheckpointSavedV1.name, messageId: message.messageId, tenant: message.tenant, jobId, runId, artifact }, this.logger);
    if (!verdict.ok) return;
    const { tenant } = verdict;
    const record: CheckpointRecord = { ...message.payload, created_at: Math.floor(Date.parse(message.createdAt) / 1000) || Math.floor(Date.now() / 1000) };
    this.check(await this.jobs.recordCheckpoint(tenant, record), tenant, record.jobId, trainingCheckpointSavedV1.name);
    if (record.retiredSteps?.length) await this.jobs.retireCheckpoints(tenant, record.jobId, record.runId, record.retiredSteps);
  }

  @EventPattern(jobIterationRecordedV1.name)
  async onIteration(@Payload() message: MessageOf<typeof jobIterationRecordedV1>): Promise<void> {
    this.check(await this.jobs.recordIteration(message.tenant, message.payload), message.tenant, message.payload.jobId, jobIterationRecordedV1.name);
  }

  /** A question the policy answers at once is recorded answered by the policy (in the same transaction); no human can answer it. */
  @EventPattern(jobApprovalRequestedV1.name)
  async onApprovalRequested(@Payload() message: MessageOf<typeof jobApprovalRequestedV1>): Promise<void> {
    const request = message.payload;
    const answer: AnswerRecord | undefined = request.autoAnswer ? { decision: request.autoAnswer, answered_by: 'policy', answered_at: request.created_at } : undefined;
    this.check(await this.jobs.recordApproval(message.tenant, request, answer), message.tenant, request.jobId, jobApprovalRequestedV1.name);
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
    this.check(await this.jobs.recordAnswer(message.tenant, jobId, approvalId, answer), message.tenant, jobId, jobApprovalAnsweredV1.name);
  }

  private check(outcome: RecordOutcome, tenant: string, jobId: string, topic: string): void {
    if (outcome === 'unknown_job') this.skipped(tenant, jobId, topic);
  }

  private skipped(tenant: string, jobId: string, topic: string): void {
    this.logger.warn({ tenant, jobId, topic }, 'projection skipped: the job is not in the metadata database (created elsewhere?)');
  }
}
