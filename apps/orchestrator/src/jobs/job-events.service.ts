import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  insideRunArea,
  jobLifecycleEventV1,
  trainingCheckpointSavedV1,
  trainingRunCompletedV1,
  trainingRunControlV1,
  trainingRunProgressedV1,
  type MessageOf,
  type PayloadOf,
  type dataPreparationCompletedV1,
  type diagnosisRunCompletedV1,
  type evaluationRunCompletedV1,
  type retrievalIndexCompletedV1,
  type jobApprovalAnsweredV1,
  type jobControlRequestedV1,
  type jobLifecycleCreatedV1,
} from '@tuneforge/contracts';
import { LOGGER } from '@tuneforge/service-kit';
import type { Logger } from '@tuneforge/telemetry';
import { inboxKeys, type JobInput, type WorkflowPublisher } from '../workflow/job-graph';
import { JobRunner } from '../workflow/job-runner';

export const WORKFLOW_PUBLISHER = Symbol('WORKFLOW_PUBLISHER');

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * What the bus handlers do: record the incoming result in the job's inbox and let the graph take it.
 * Nothing here waits for a service's work; the graph only publishes the next task and stops.
 */
@Injectable()
export class JobEvents implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(JobRunner) private readonly runner: JobRunner,
    @Inject(WORKFLOW_PUBLISHER) private readonly publisher: WorkflowPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.resumeAll();
  }

  onModuleDestroy(): void {
    this.runner.close();
  }

  created(message: MessageOf<typeof jobLifecycleCreatedV1>): Promise<void> {
    const { jobId, spec, config, files, model } = message.payload;
    const job: JobInput = {
      jobId,
      tenant: message.tenant,
      config,
      files,
      model,
      modelName: spec.model,
      suffix: spec.suffix ?? null,
      tools: spec.tuneforge?.tools ?? [],
      toolFixtures: spec.tuneforge?.tool_fixtures ?? [],
      taskDescription: spec.tuneforge?.task_description,
    };
    return this.runner.start(job);
  }

  async preparationCompleted(message: MessageOf<typeof dataPreparationCompletedV1>): Promise<void> {
    const { jobId, taskId } = message.payload;
    if (await this.known(jobId)) await this.runner.deliver(jobId, inboxKeys.preparation(taskId), message.payload);
  }

  async evaluationCompleted(message: MessageOf<typeof evaluationRunCompletedV1>): Promise<void> {
    const { jobId, taskId } = message.payload;
    if (await this.known(jobId)) await this.runner.deliver(jobId, inboxKeys.evaluation(taskId), message.payload);
  }

  async retrievalCompleted(message: MessageOf<typeof retrievalIndexCompletedV1>): Promise<void> {
    const { jobId, taskId } = message.payload;
    if (await this.known(jobId)) await this.runner.deliver(jobId, inboxKeys.retrieval(taskId), message.payload);
  }

  async diagnosisCompleted(message: MessageOf<typeof diagnosisRunCompletedV1>): Promise<void> {
    const { jobId, taskId } = message.payload;
    if (await this.known(jobId)) await this.runner.deliver(jobId, inboxKeys.diagnosis(taskId), message.payload);
  }

  /**
   * Per progress message, once the job is known (remembered after its first message): one INSERT of the curve
   * point, sent alongside the metrics event's publish (both are idempotent, so a message handled again after a
   * failure of either changes nothing); past halfway, one inbox query until the halfway report is recorded, none after.
   */
  async trainingProgressed(message: MessageOf<typeof trainingRunProgressedV1>): Promise<void> {
    const p = message.payload;
    const record = await this.podJob(trainingRunProgressedV1.name, message, p.runId, []);
    if (!record) return;
    const job = { jobId: p.jobId, tenant: record.tenant };
    const halfway = inboxKeys.trainingHalfway(p.runId);
    // Progress read late (after a restart) for a run that has already ended asks nothing.
    const asked = p.step * 2 >= p.totalSteps ? this.runner.hasAny(p.jobId, [halfway, inboxKeys.trainingCompleted(p.runId)]) : Promise.resolve(true);
    const r = p.reinforcement;
    const reward = r ? { reward: { mean: r.rewardMean, std: r.rewardStd, kl: r.kl, zeroStdGroups: r.zeroStdGroups, groups: r.groups, generatedTokens: r.meanGeneratedTokens, ...(r.validRewardMean !== undefined ? { validMean: r.validRewardMean } : {}), ...(r.validPassRate !== undefined ? { validPassRate: r.validPassRate } : {}) } } : {};
    const point = this.runner.recordCurvePoint(p.jobId, p.runId, { step: p.step, loss: Number.isFinite(p.loss) ? p.loss : null, learningRate: p.learningRate, gradNorm: p.gradNorm ?? null, ...reward });
    await Promise.all([point, asked, this.publishProgress(job, p)]);
    if (!(await asked)) await this.runner.deliver(p.jobId, halfway, { step: p.step, totalSteps: p.totalSteps, loss: p.loss });
  }

  private async publishProgress(job: { jobId: string; tenant: string }, p: PayloadOf<typeof trainingRunProgressedV1>): Promise<void> {
    // Said before the step's metrics: the events then read in the order things happened.
    if (p.resumedFromStep !== undefined) {
      await this.publisher.publish(
        job,
        jobLifecycleEventV1,
        {
          jobId: p.jobId,
          id: `${p.jobId}-${p.runId}-resumed-${p.resumedFromStep}`,
          level: 'info',
          message: `Training resumed from the checkpoint at step ${p.resumedFromStep}`,
          type: 'message',
          data: { run_id: p.runId, resumed_from_step: p.resumedFromStep, step: p.step },
          created_at: nowSeconds(),
        },
        `resumed/${p.runId}/${p.resumedFromStep}`,
      );
    }
    // A step that ran out of memory and was redone in smaller micro-batches: said, since the run goes on slower.
    for (const retry of p.memoryRetries ?? []) {
      await this.publisher.publish(
        job,
        jobLifecycleEventV1,
        {
          jobId: p.jobId,
          id: `${p.jobId}-${p.runId}-out-of-memory-${retry.step}-${retry.toMicroBatchSize}`,
          level: 'warn',
          message: `Step ${retry.step} ran out of memory: redone with micro-batches of ${retry.toMicroBatchSize} (was ${retry.fromMicroBatchSize}), ${retry.accumulation} per step, the same batch size`,
          type: 'message',
          data: { run_id: p.runId, step: retry.step, from_micro_batch_size: retry.fromMicroBatchSize, micro_batch_size: retry.toMicroBatchSize, accumulation: retry.accumulation },
          created_at: nowSeconds(),
        },
        `out-of-memory/${p.runId}/${retry.step}/${retry.toMicroBatchSize}`,
      );
    }
    await this.publisher.publish(
      job,
      jobLifecycleEventV1,
      {
        jobId: p.jobId,
        id: `${p.jobId}-${p.runId}-step-${p.step}`,
        level: 'info',
        message: `Step ${p.step}/${p.totalSteps}: training loss=${p.loss.toFixed(4)}`,
        type: 'metrics',
        // OpenAI's metrics names (step, train_loss, train_mean_token_accuracy, valid_loss, valid_mean_token_accuracy,
        // full_valid_*) beside Tuneforge's own (total_steps, tokens_per_second, eta_seconds, ...);
        // run_id tells the runs of a job's iterations apart (the result CSV keeps the model's run).
        data: {
          step: p.step,
          total_steps: p.totalSteps,
          epoch: p.epoch,
          train_loss: p.loss,
          // At a checkpoint step the pod measured the whole validation split: OpenAI's valid_loss and full_valid_loss.
          ...(p.tokenAccuracy !== undefined ? { train_mean_token_accuracy: p.tokenAccuracy } : {}),
          ...(p.validLoss !== undefined ? { valid_loss: p.validLoss, full_valid_loss: p.validLoss } : {}),
          ...(p.validTokenAccuracy !== undefined ? { valid_mean_token_accuracy: p.validTokenAccuracy, full_valid_mean_token_accuracy: p.validTokenAccuracy } : {}),
          learning_rate: p.learningRate,
          // A DPO run's step metrics (OpenAI names none; ours follow TRL's rewards/* and logps/*).
          ...(p.preference ? preferenceMetrics(p.preference) : {}),
          // A reinforcement run's (OpenAI's train_reward_mean / valid_reward_mean, and GRPO's own).
          ...(p.reinforcement ? reinforcementMetrics(p.reinforcement) : {}),
          tokens_per_second: p.tokensPerSecond,
          eta_seconds: p.etaSeconds,
          run_id: p.runId,
        },
        created_at: nowSeconds(),
      },
      `metrics/${p.runId}/${p.step}`,
    );
  }

  async checkpointSaved(message: MessageOf<typeof trainingCheckpointSavedV1>): Promise<void> {
    const c = message.payload;
    const job = await this.podJob(trainingCheckpointSavedV1.name, message, c.runId, [c.artifact]);
    if (!job) return;
    if (typeof c.metrics.valid_loss === 'number') await this.runner.recordValidationLoss(c.jobId, c.runId, c.step, c.metrics.valid_loss);
    // Each checkpoint is a model of its own name (`ft:...:ckpt-step-<n>`), registered create-only.
    await this.runner.nameCheckpoint(job, c.artifact, c.step);
    // Retention deleted these with this checkpoint's commit; their names go (read after their own saved messages).
    if (c.retiredSteps) await this.runner.forgetCheckpoints(job, c.retiredSteps);
    await this.publisher.publish(
      { jobId: c.jobId, tenant: job.tenant },
      jobLifecycleEventV1,
      { jobId: c.jobId, id: `${c.jobId}-${c.runId}-checkpoint-${c.step}`, level: 'info', message: `Checkpoint saved at step ${c.step}`, type: 'message', data: { step: c.step, artifact: c.artifact, metrics: c.metrics }, created_at: nowSeconds() },
      `checkpoint/${c.runId}/${c.step}`,
    );
  }

  async trainingCompleted(message: MessageOf<typeof trainingRunCompletedV1>): Promise<void> {
    const { jobId, runId } = message.payload;
    const artifacts = message.payload.status === 'succeeded' ? Object.values(message.payload.artifacts).filter((a): a is string => typeof a === 'string') : [];
    if (await this.podJob(trainingRunCompletedV1.name, message, runId, artifacts)) await this.runner.deliver(jobId, inboxKeys.trainingCompleted(runId), message.payload);
  }

  async approvalAnswered(message: MessageOf<typeof jobApprovalAnsweredV1>): Promise<void> {
    const answer = message.payload;
    if (!(await this.known(answer.jobId))) return;
    const key = inboxKeys.approval(answer.approvalId);
    const accepted = (await this.runner.waiting(answer.jobId))?.approvalOptions?.[key];
    if (accepted && !accepted.includes(answer.decision)) {
      await this.warn(message.tenant, answer.jobId, `refused-${message.messageId}`, `Answer "${answer.decision}" is not an option of approval ${answer.approvalId} (${accepted.join(', ')})`);
      return;
    }
    const outcome = await this.runner.deliver(answer.jobId, key, answer);
    if (outcome === 'duplicate') this.logger.info({ jobId: answer.jobId, approvalId: answer.approvalId }, 'approval already answered; this answer changes nothing');
  }

  async controlRequested(message: MessageOf<typeof jobControlRequestedV1>): Promise<void> {
    const { jobId, action } = message.payload;
    // A cancel is recorded even for a job not started yet: sent right after the create request, it can arrive
    // before the job's creation (another topic), and the job's first step then ends it (the gateway only sends
    // controls for jobs it accepted).
    if (action === 'cancel') {
      await this.runner.deliver(jobId, inboxKeys.cancel, { requestedBy: message.messageId });
      return;
    }
    if (!(await this.known(jobId))) return;
    const state = await this.runner.state(jobId);
    if (!state.runId || state.trained || state.outcome) {
      await this.warn(message.tenant, jobId, `control-${message.messageId}`, `Cannot ${action}: the job is not training`);
      return;
    }
    if (action === 'resume' && Object.keys((await this.runner.waiting(jobId))?.approvalOptions ?? {}).length) {
      await this.warn(message.tenant, jobId, `control-${message.messageId}`, 'Training stays paused until its approval is answered');
      return;
    }
    const job = { jobId, tenant: message.tenant };
    await this.publisher.publish(job, trainingRunControlV1, { runId: state.runId, jobId, action }, `control/${action}/${message.messageId}`);
    await this.publisher.publish(
      job,
      jobLifecycleEventV1,
      { jobId, id: `${jobId}-control-${message.messageId}`, level: 'info', message: action === 'pause' ? 'Training pause requested' : 'Training resume requested', type: 'message', data: null, created_at: nowSeconds() },
      `event/control/${message.messageId}`,
    );
  }

  /**
   * Results for jobs this orchestrator never started (another deployment's, or a test's own runs) are not ours.
   * A job once seen is remembered by the runner: its later messages read no state.
   */
  /**
   * The job of record for a message on a topic training pods may write (docs/security.md): pods share one Kafka
   * principal, so the broker cannot tell one pod from another, and what the message says of itself is a claim. It
   * counts only when its tenant is the job's and every artifact it names lies inside its run's area; otherwise it is
   * dropped with an error line (a bug, or a pod speaking for another job). An unknown job is not ours (a warning-free
   * skip, as for every other topic).
   */
  private async podJob(topic: string, message: { tenant: string; messageId: string; payload: { jobId: string } }, runId: string, artifacts: readonly string[]): Promise<JobInput | undefined> {
    const job = await this.runner.job(message.payload.jobId);
    if (!job) return undefined;
    const outside = artifacts.filter((artifact) => !insideRunArea(artifact, job.jobId, runId));
    if (job.tenant === message.tenant && outside.length === 0) return job;
    this.logger.error({ topic, messageId: message.messageId, jobId: job.jobId, runId, claimedTenant: message.tenant, outside }, 'pod message dropped: it does not match the job of record (a pod speaking for another job or tenant?)');
    return undefined;
  }

  private async known(jobId: string): Promise<boolean> {
    return (await this.runner.job(jobId)) !== undefined;
  }

  private warn(tenant: string, jobId: string, id: string, message: string): Promise<void> {
    return this.publisher.publish({ jobId, tenant }, jobLifecycleEventV1, { jobId, id: `${jobId}-${id}`, level: 'warn', message, type: 'message', data: null, created_at: nowSeconds() }, `event/${id}`);
  }
}

/** A DPO step's metrics as the metrics event's `data` fields (snake_case, train_/valid_ as OpenAI's losses). */
export function preferenceMetrics(p: NonNullable<PayloadOf<typeof trainingRunProgressedV1>['preference']>): Record<string, number> {
  return {
    train_rewards_chosen: p.rewardsChosen,
    train_rewards_rejected: p.rewardsRejected,
    train_reward_margin: p.rewardMargin,
    train_reward_accuracy: p.rewardAccuracy,
    train_logps_chosen: p.logpsChosen,
    train_logps_rejected: p.logpsRejected,
    ...(p.validRewardAccuracy !== undefined ? { valid_reward_accuracy: p.validRewardAccuracy } : {}),
    ...(p.validRewardMargin !== undefined ? { valid_reward_margin: p.validRewardMargin } : {}),
  };
}

/** A reinforcement step's metrics as the metrics event's `data` fields: OpenAI's reward names, TRL's kl and clip_ratio. */
export function reinforcementMetrics(p: NonNullable<PayloadOf<typeof trainingRunProgressedV1>['reinforcement']>): Record<string, number> {
  return {
    train_reward_mean: p.rewardMean,
    train_reward_std: p.rewardStd,
    train_kl: p.kl,
    train_clip_ratio: p.clipRatio,
    train_zero_std_groups: p.zeroStdGroups,
    train_groups: p.groups,
    train_generated_tokens_mean: p.meanGeneratedTokens,
    train_truncated_share: p.truncatedShare,
    ...(p.validRewardMean !== undefined ? { valid_reward_mean: p.validRewardMean } : {}),
    ...(p.validPassRate !== undefined ? { valid_pass_rate: p.validPassRate } : {}),
  };
}
