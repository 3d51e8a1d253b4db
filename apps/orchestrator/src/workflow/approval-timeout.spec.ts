import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRunner } from './job-runner';
import { inboxKeys, job, orchestratorTestDatabase, prepared, RecordingPublisher, silent, workflowIds } from './workflow-spec-fixtures';

describe('a question nobody answers', () => {
  const database = orchestratorTestDatabase();
  let dir: string;
  let publisher: RecordingPublisher;
  const runners: JobRunner[] = [];
  const newRunner = async (into = publisher) => {
    const runner = await JobRunner.open(new FilesystemArtifactStore(dir), database(), into, silent);
    runners.push(runner);
    return runner;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrator-timeout-'));
    publisher = new RecordingPublisher();
  });
  afterEach(() => {
    for (const runner of runners.splice(0)) runner.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function askedAtHalfway(runner: JobRunner, id: string, timeoutSeconds: number) {
    const base = job(id, { trainingHalfway: 'ask' });
    await runner.start({ ...base, config: { ...base.config, approvals: { ...base.config.approvals, timeoutSeconds } } });
    await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id));
    await runner.deliver(id, inboxKeys.trainingHalfway(workflowIds.trainingRun(id)), { step: 2, totalSteps: 4, loss: 1 });
  }

  it('is decided by the policy when its time is up: the run resumes and the answer says why', async () => {
    const runner = await newRunner();
    const id = 'ftjob-timeout';
    await askedAtHalfway(runner, id, 1);
    const [asked] = publisher.of('job.approval.requested.v1');
    expect(asked).toMatchObject({ decisionOnTimeout: 'approve', decideAt: (asked.created_at as number) + 1 });
    expect(publisher.of('job.lifecycle.event.v1').find((e) => String(e.message).startsWith('Training paused'))).toMatchObject({
      message: expect.stringContaining("decided 'approve' at"),
      data: { approval_id: asked.approvalId, decide_at: asked.decideAt },
    });
    for (let i = 0; i < 40 && publisher.of('training.run.control.v1').length < 2; i++) await sleep(100);
    expect(publisher.of('training.run.control.v1').map((c) => c.action)).toEqual(['pause', 'resume']);
    expect(publisher.of('job.approval.answered.v1')).toEqual([{ approvalId: asked.approvalId, jobId: id, decision: 'approve', answeredBy: 'policy', comment: 'no answer before the question timed out' }]);
    expect(publisher.of('job.lifecycle.event.v1').map((e) => e.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('Nobody answered approval'), 'Continuing was approved by the approval policy']),
    );
  });

  it('answered in time keeps the human answer; the timeout changes nothing', async () => {
    const runner = await newRunner();
    const id = 'ftjob-answered';
    await askedAtHalfway(runner, id, 1);
    const [asked] = publisher.of('job.approval.requested.v1');
    await runner.deliver(id, inboxKeys.approval(asked.approvalId as string), { approvalId: asked.approvalId, jobId: id, decision: 'reject', answeredBy: 'human' });
    await sleep(1500);
    expect(publisher.of('job.approval.answered.v1')).toEqual([]);
    expect(publisher.of('training.run.control.v1').map((c) => c.action)).toEqual(['pause', 'cancel']);
  });

  it('is decided after a restart when its time passed while the orchestrator was down', async () => {
    const id = 'ftjob-timeout-restart';
    const first = await newRunner();
    await askedAtHalfway(first, id, 1);
    first.close();
    await sleep(1100);
    const restartedPublisher = new RecordingPublisher();
    const restarted = await newRunner(restartedPublisher);
    await restarted.resumeAll();
    for (let i = 0; i < 20 && restartedPublisher.of('training.run.control.v1').length === 0; i++) await sleep(100);
    expect(restartedPublisher.of('training.run.control.v1').map((c) => c.action)).toEqual(['resume']);
  });

  it('waits for a human as long as it takes when the timeout is 0', async () => {
    const runner = await newRunner();
    await askedAtHalfway(runner, 'ftjob-forever', 0);
    const [asked] = publisher.of('job.approval.requested.v1');
    expect(asked).toMatchObject({ decideAt: null, decisionOnTimeout: null });
    expect(await runner.waiting('ftjob-forever')).not.toHaveProperty('deadline');
  });
});
