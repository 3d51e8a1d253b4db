import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRunner } from './job-runner';
import { DEFAULT_STAGE_DEADLINES, parseStageDeadlines } from './stage-deadlines';
import { inboxKeys, job, orchestratorTestDatabase, prepared, RecordingPublisher, silent, workflowIds } from './workflow-spec-fixtures';

describe('stage deadlines (issue #18): a task nobody answers', () => {
  const database = orchestratorTestDatabase();
  let dir: string;
  let publisher: RecordingPublisher;
  const runners: JobRunner[] = [];
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const newRunner = async (preparationSeconds: number) => {
    const runner = await JobRunner.open(new FilesystemArtifactStore(dir), database(), publisher, silent, { ...DEFAULT_STAGE_DEADLINES, preparation: preparationSeconds });
    runners.push(runner);
    return runner;
  };
  const finalStatus = async (id: string) => {
    for (let i = 0; i < 60; i++) {
      const ended = publisher.of('job.lifecycle.status-changed.v1').find((s) => s.jobId === id && ['failed', 'succeeded', 'cancelled'].includes(s.status as string));
      if (ended) return ended;
      await sleep(100);
    }
    return undefined;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrator-deadline-'));
    publisher = new RecordingPublisher();
  });
  afterEach(() => {
    for (const runner of runners.splice(0)) runner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the job with a clear error once the data preparation is overdue', async () => {
    const runner = await newRunner(1);
    await runner.start(job('ftjob-overdue'));
    expect(await finalStatus('ftjob-overdue')).toMatchObject({
      status: 'failed',
      error: { code: 'stage_timeout', message: expect.stringMatching(/^The data preparation \(datagen\) did not answer within 1 second\(s\) of its request/), param: null },
    });
    // The result arriving afterwards changes nothing: the job has ended.
    await runner.deliver('ftjob-overdue', inboxKeys.preparation(workflowIds.preparationTask('ftjob-overdue')), prepared('ftjob-overdue'));
    expect(publisher.of('training.run.requested.v1')).toEqual([]);
  });

  it('keeps its clock across a restart: a deadline that passed while the orchestrator was down fails the job at once', async () => {
    const first = await newRunner(2);
    await first.start(job('ftjob-restarted'));
    first.close();
    await sleep(2200);
    const second = await newRunner(2);
    await second.resumeAll();
    expect(await finalStatus('ftjob-restarted')).toMatchObject({ status: 'failed', error: { code: 'stage_timeout' } });
  });

  it('changes nothing when the result comes in time', async () => {
    const runner = await newRunner(1);
    await runner.start(job('ftjob-in-time'));
    await runner.deliver('ftjob-in-time', inboxKeys.preparation(workflowIds.preparationTask('ftjob-in-time')), prepared('ftjob-in-time'));
    await sleep(1500);
    expect(publisher.of('training.run.requested.v1')).toHaveLength(1);
    expect(publisher.of('job.lifecycle.status-changed.v1').filter((s) => s.status === 'failed')).toEqual([]);
  });
});

describe('TF_STAGE_DEADLINES', () => {
  it('overrides the defaults it names and refuses anything else by name', () => {
    expect(parseStageDeadlines(undefined)).toEqual(DEFAULT_STAGE_DEADLINES);
    expect(parseStageDeadlines('preparation=60, evaluation=7200')).toEqual({ ...DEFAULT_STAGE_DEADLINES, preparation: 60, evaluation: 7200 });
    expect(() => parseStageDeadlines('training=60')).toThrow(/'training=60' is not <stage>=<seconds>/);
    expect(() => parseStageDeadlines('preparation=0')).toThrow(/preparation=0/);
    expect(() => parseStageDeadlines('preparation')).toThrow(/'preparation' is not/);
  });
});
