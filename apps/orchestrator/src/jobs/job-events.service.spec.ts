import { createMessage, jobApprovalAnsweredV1, jobControlRequestedV1, loadDefaultConfig, trainingCheckpointSavedV1, trainingRunProgressedV1, type MessageOf, type PayloadOf, type TopicSpec } from '@tuneforge/contracts';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inboxKeys, workflowIds, type WorkflowPublisher } from '../workflow/job-graph';
import { JobRunner } from '../workflow/job-runner';
import { orchestratorTestDatabase } from '../workflow/workflow-spec-fixtures';
import { JobEvents, reinforcementMetrics } from './job-events.service';

class RecordingPublisher implements WorkflowPublisher {
  readonly sent: Array<{ topic: string; payload: Record<string, unknown> }> = [];
  async publish<T extends TopicSpec>(_job: unknown, topic: T, payload: unknown): Promise<void> {
    this.sent.push({ topic: topic.name, payload: payload as Record<string, unknown> });
  }
  of(topic: string): Record<string, unknown>[] {
    return this.sent.filter((s) => s.topic === topic).map((s) => s.payload);
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;
const tenant = 't1';
const msg = <T extends TopicSpec>(topic: T, payload: PayloadOf<T>) => createMessage(topic as TopicSpec, payload, { correlationId: 'x', tenant }) as MessageOf<T>;

describe('JobEvents', () => {
  const database = orchestratorTestDatabase();
  let dir: string;
  let publisher: RecordingPublisher;
  let runner: JobRunner;
  let events: JobEvents;
  const jobId = 'ftjob-h';
  const runId = workflowIds.trainingRun(jobId);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrator-handlers-'));
    publisher = new RecordingPublisher();
    runner = await JobRunner.open(new FilesystemArtifactStore(dir), database(), publisher, silent);
    events = new JobEvents(runner, publisher, silent);
    const defaults = loadDefaultConfig();
    // A human is asked at halfway (the default lets the policy answer).
    const config = { ...defaults, approvals: { ...defaults.approvals, trainingHalfway: 'ask' as const } };
    await runner.start({ jobId, tenant, config, files: { training: 'f' }, model: 'm', tools: [] });
    await runner.deliver(jobId, inboxKeys.preparation(workflowIds.preparationTask(jobId)), {
      taskId: workflowIds.preparationTask(jobId),
      jobId,
      status: 'succeeded',
      artifacts: { dataset: 'd', report: 'r' },
      counts: { inputRecords: 1, syntheticRecords: 0, trainRecords: 1, validationRecords: 0 },
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const progress = (step: number) => msg(trainingRunProgressedV1, { runId, jobId, step, totalSteps: 4, epoch: 0, loss: 2, learningRate: 0.1, tokens: 10, tokensPerSecond: 5, etaSeconds: 1 });

  it('relays progress as metrics events and asks once, at the halfway step', async () => {
    await events.trainingProgressed(progress(1));
    expect(publisher.of('job.approval.requested.v1')).toEqual([]);
    await events.trainingProgressed(progress(2));
    await events.trainingProgressed(progress(3));
    expect(publisher.of('job.lifecycle.event.v1').filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step)).toEqual([1, 2, 3]);
    expect(publisher.of('job.approval.requested.v1')).toHaveLength(1);
    expect(publisher.of('job.approval.requested.v1')[0]).toMatchObject({ context: { step: 2, totalSteps: 4 } });
  });

  it("metrics events carry OpenAI's names: train_loss, and valid_loss/full_valid_loss where the step measured them", async () => {
    await events.trainingProgressed(progress(1));
    await events.trainingProgressed(msg(trainingRunProgressedV1, { runId, jobId, step: 2, totalSteps: 4, epoch: 0, loss: 1.5, learningRate: 0.1, tokens: 10, tokensPerSecond: 5, etaSeconds: 1, validLoss: 1.75 }));
    const data = publisher.of('job.lifecycle.event.v1').filter((e) => e.type === 'metrics').map((e) => e.data as Record<string, unknown>);
    expect(data[0]).toEqual({ step: 1, total_steps: 4, epoch: 0, train_loss: 2, learning_rate: 0.1, tokens_per_second: 5, eta_seconds: 1, run_id: runId });
    expect(data[1]).toMatchObject({ step: 2, train_loss: 1.5, valid_loss: 1.75, full_valid_loss: 1.75, total_steps: 4 });
    expect(data[1]).not.toHaveProperty('train_mean_token_accuracy');
  });

  it('says where a restarted pod resumed, before the metrics of its first step', async () => {
    await events.trainingProgressed(progress(1));
    await events.trainingProgressed(msg(trainingRunProgressedV1, { runId, jobId, step: 2, totalSteps: 4, epoch: 0, loss: 2, learningRate: 0.1, tokens: 10, tokensPerSecond: 5, etaSeconds: 1, resumedFromStep: 1 }));
    const messages = publisher.of('job.lifecycle.event.v1').map((e) => String(e.message)).filter((m) => /^(Step|Training resumed)/.test(m));
    expect(messages).toEqual(['Step 1/4: training loss=2.0000', 'Training resumed from the checkpoint at step 1', 'Step 2/4: training loss=2.0000']);
  });

  it('says when a step ran out of memory and was redone in smaller micro-batches, as a warning', async () => {
    await events.trainingProgressed(msg(trainingRunProgressedV1, { runId, jobId, step: 3, totalSteps: 4, epoch: 0, loss: 2, learningRate: 0.1, tokens: 10, tokensPerSecond: 5, etaSeconds: 1, memoryRetries: [{ step: 3, fromMicroBatchSize: 8, toMicroBatchSize: 4, accumulation: 2 }] }));
    const warning = publisher.of('job.lifecycle.event.v1').find((e) => String(e.message).includes('out of memory'));
    expect(warning).toMatchObject({ level: 'warn', message: 'Step 3 ran out of memory: redone with micro-batches of 4 (was 8), 2 per step, the same batch size', data: { step: 3, micro_batch_size: 4, from_micro_batch_size: 8, accumulation: 2 } });
  });

  it("drops a pod's message that speaks for another tenant, or names an artifact outside its run, and says so", async () => {
    const errors: Array<Record<string, unknown>> = [];
    const before = publisher.of('job.lifecycle.event.v1').length;
    const watched = new JobEvents(runner, publisher, { info: () => undefined, warn: () => undefined, error: (context: Record<string, unknown>) => errors.push(context) } as never);
    const progress = { runId, jobId, step: 1, totalSteps: 4, epoch: 0, loss: 2, learningRate: 0.1, tokens: 10, tokensPerSecond: 5, etaSeconds: 1 };
    await watched.trainingProgressed(createMessage(trainingRunProgressedV1, progress, { correlationId: 'x', tenant: 'someone-else' }) as MessageOf<typeof trainingRunProgressedV1>);
    const checkpoint = { runId, jobId, step: 1, artifact: `jobs/${jobId}/training/${runId}/../../../other/x`, metrics: { step: 1, train_loss: 2 } };
    await watched.checkpointSaved(msg(trainingCheckpointSavedV1, checkpoint));
    expect(publisher.of('job.lifecycle.event.v1')).toHaveLength(before);
    expect(errors.map((e) => [e['topic'], e['claimedTenant']])).toEqual([['training.run.progressed.v1', 'someone-else'], ['training.checkpoint.saved.v1', tenant]]);
    // The same messages, true to the job of record, count.
    await watched.trainingProgressed(msg(trainingRunProgressedV1, progress));
    await watched.checkpointSaved(msg(trainingCheckpointSavedV1, { ...checkpoint, artifact: `jobs/${jobId}/training/${runId}/checkpoints/step-00000001` }));
    expect(publisher.of('job.lifecycle.event.v1').slice(before).map((e) => e['message'])).toEqual(['Step 1/4: training loss=2.0000', 'Checkpoint saved at step 1']);
  });

  it('refuses an answer that is not an option of the question, then takes a valid one', async () => {
    await events.trainingProgressed(progress(2));
    const approvalId = publisher.of('job.approval.requested.v1')[0].approvalId as string;
    await events.approvalAnswered(msg(jobApprovalAnsweredV1, { approvalId, jobId, decision: 'edit', answeredBy: 'human', edits: {} }));
    expect(publisher.of('job.lifecycle.event.v1').at(-1)).toMatchObject({ level: 'warn' });
    expect(await runner.has(jobId, inboxKeys.approval(approvalId))).toBe(false);
    // Waiting for the answer, the run stays paused: a job-level resume does not bypass the question.
    await events.controlRequested(msg(jobControlRequestedV1, { jobId, action: 'resume' }));
    expect(publisher.of('training.run.control.v1').map((c) => c.action)).toEqual(['pause']);
    await events.approvalAnswered(msg(jobApprovalAnsweredV1, { approvalId, jobId, decision: 'approve', answeredBy: 'human' }));
    expect(publisher.of('training.run.control.v1').map((c) => c.action)).toEqual(['pause', 'resume']);
  });

  it('handles a progress message of a job it knows with one statement, the INSERT of its curve point; past halfway one inbox query more until the report is recorded', async () => {
    const at = (step: number) => msg(trainingRunProgressedV1, { runId, jobId, step, totalSteps: 10, epoch: 0, loss: 2, learningRate: 0.1, tokens: 10, tokensPerSecond: 5, etaSeconds: 1 });
    const pool = database().pool;
    // The job's first progress message reads its state once (the job is then known).
    await events.trainingProgressed(at(1));
    const query = jest.spyOn(pool, 'query');
    // Transactions (the checkpointer's writes) take a connection of their own: no checkpoint is read or written either.
    const checkpoints = [jest.spyOn(runner.checkpointer, 'getTuple'), jest.spyOn(runner.checkpointer, 'put'), jest.spyOn(runner.checkpointer, 'putWrites')];
    const statements = () => query.mock.calls.map(([sql]) => String(sql).split(' (')[0]);
    try {
      await events.trainingProgressed(at(2));
      expect(statements()).toEqual(['INSERT INTO curve_points']);
      query.mockClear();
      // The halfway step: the curve point and whether the report is in the inbox; then the report is delivered.
      await events.trainingProgressed(at(5));
      expect(statements().slice(0, 2).sort()).toEqual(['INSERT INTO curve_points', 'SELECT key FROM orchestrator_inbox WHERE job_id = $1 AND key = ANY($2::text[])']);
      expect(publisher.of('job.approval.requested.v1')).toHaveLength(1);
      query.mockClear();
      for (const spy of checkpoints) spy.mockClear();
      await events.trainingProgressed(at(6));
      await events.trainingProgressed(at(6));
      expect(statements()).toEqual(['INSERT INTO curve_points', 'INSERT INTO curve_points']);
      for (const spy of checkpoints) expect(spy).not.toHaveBeenCalled();
    } finally {
      query.mockRestore();
      for (const spy of checkpoints) spy.mockRestore();
    }
    expect(await database().query('SELECT step FROM curve_points WHERE job_id = $1 AND run_id = $2 ORDER BY step', [jobId, runId])).toEqual([{ step: 1 }, { step: 2 }, { step: 5 }, { step: 6 }]);
    expect(publisher.of('job.lifecycle.event.v1').filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step)).toEqual([1, 2, 5, 6, 6]);
    expect(publisher.of('job.approval.requested.v1')).toHaveLength(1);
  });

  it('hands pause and resume to the running stage, and ignores jobs it never started', async () => {
    await events.controlRequested(msg(jobControlRequestedV1, { jobId, action: 'pause' }));
    await events.controlRequested(msg(jobControlRequestedV1, { jobId, action: 'resume' }));
    expect(publisher.of('training.run.control.v1')).toEqual([
      { runId, jobId, action: 'pause' },
      { runId, jobId, action: 'resume' },
    ]);
    const before = publisher.sent.length;
    await events.trainingProgressed(msg(trainingRunProgressedV1, { runId: 'r', jobId: 'ftjob-other', step: 2, totalSteps: 2, epoch: 0, loss: 1, learningRate: 0.1, tokens: 1, tokensPerSecond: 1, etaSeconds: 0 }));
    await events.controlRequested(msg(jobControlRequestedV1, { jobId: 'ftjob-other', action: 'cancel' }));
    expect(publisher.sent.length).toBe(before);
  });
});

describe('reinforcementMetrics', () => {
  it("names a GRPO step's metrics as the metrics event carries them, validation only when measured", () => {
    const step = { rewardMean: 0.5, rewardStd: 0.25, kl: 0.01, clipRatio: 0.02, zeroStdGroups: 1, groups: 4, meanGeneratedTokens: 30, truncatedShare: 0 };
    expect(reinforcementMetrics(step)).toEqual({
      train_reward_mean: 0.5,
      train_reward_std: 0.25,
      train_kl: 0.01,
      train_clip_ratio: 0.02,
      train_zero_std_groups: 1,
      train_groups: 4,
      train_generated_tokens_mean: 30,
      train_truncated_share: 0,
    });
    expect(reinforcementMetrics({ ...step, validRewardMean: 0.75, validPassRate: 0.5 })).toMatchObject({ valid_reward_mean: 0.75, valid_pass_rate: 0.5 });
  });
});
