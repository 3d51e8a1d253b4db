import { SERVICE_NAMES } from '@tuneforge/contracts';
import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv, listCommittedArtifacts, type ArtifactStore } from '@tuneforge/storage';
import { randomUUID } from 'node:crypto';
import { startDeployment, type LogRecord, type RunningDeployment } from './deployment';
import {
  clientOf,
  countMessages,
  createJob,
  eventsAfterTheEnd,
  followToEnd,
  metricSteps,
  registerTinyModel,
  repeatedTrainingFile,
  runFineTuningScenario,
  runIdOf,
  type ScenarioTarget,
} from './fine-tuning-scenario';
import { runCancelRightAfterCreate, runNobodyAnswers } from './job-control-scenario';

const TAG = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
const TENANT = `e2e-dist-${TAG}`;
const KEY = `e2e-dist-key-${TAG}`;
const OTHER_KEY = `e2e-dist-other-key-${TAG}`;
/** The default configuration checkpoints every 100 steps: the fault runs are long enough to hold some. */
const CHECKPOINT_EVERY = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The acceptance scenario and kill -9 faults against `npm run start:distributed`: every service its own
 * process, on the Kafka and MinIO that infra/up.sh starts (this fails, never skips, without them).
 */
describe('fine-tuning jobs through the OpenAI SDK, distributed mode (a process per service, Kafka, MinIO)', () => {
  let deployment: RunningDeployment;
  let target: ScenarioTarget;
  let store: ArtifactStore;

  beforeAll(async () => {
    store = createArtifactStoreFromEnv(localInfraEnv());
    await registerTinyModel(store, TENANT);
    deployment = await startDeployment('distributed', 23_000 + (process.pid % 200) * 10, {
      TF_API_KEYS: `${KEY}:${TENANT},${OTHER_KEY}:${TENANT}-other`,
      TF_RATE_LIMIT_PER_MINUTE: '100000',
      TF_TRAIN_POD_THREADS: '1',
      // The pods' logs come through the trainer's output: the test reads where a pod resumed.
      TF_TRAIN_POD_LOGS: 'true',
      TF_LOG_LEVEL: 'info',
    });
    target = { gatewayUrl: deployment.gatewayUrl, apiKey: KEY, otherApiKey: OTHER_KEY };
  }, 240_000);

  afterAll(async () => {
    await deployment?.stop();
  }, 120_000);

  /** Runs a test body; on failure, the deployment's last output goes with the error. */
  const withOutput = async (body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      throw new Error(`${(error as Error).stack}\n--- deployment output ---\n${deployment.output().slice(-8000)}`);
    }
  };

  const trainerSaid = (msg: string, runId: string): LogRecord[] => deployment.logRecords('trainer').filter((record) => record.msg === msg && record.runId === runId);

  /** What datagen and the trainer ran for the job, from the store: one preparation task, one training run. */
  async function stagesInStore(jobId: string): Promise<{ preparations: string[]; runs: string[]; checkpoints: number[] }> {
    const tenantStore = store.forTenant(TENANT);
    const preparations = new Set<string>();
    for await (const ref of listCommittedArtifacts(tenantStore, `jobs/${jobId}/data-preparation/`)) preparations.add(ref.prefix.split('/')[3]);
    const runs = new Set<string>();
    const checkpoints: number[] = [];
    for await (const ref of listCommittedArtifacts(tenantStore, `jobs/${jobId}/training/`)) {
      runs.add(ref.prefix.split('/')[3]);
      const step = /\/checkpoints\/step-(\d+)$/.exec(ref.prefix);
      if (step) checkpoints.push(Number(step[1]));
    }
    return { preparations: [...preparations], runs: [...runs], checkpoints: checkpoints.sort((a, b) => a - b) };
  }

  /** Every stage said it ran once; training steps 1..N each once, in order. */
  async function expectEachStageOnce(jobId: string, stages: string[]): Promise<number[]> {
    const events = await eventsAfterTheEnd(target, jobId);
    for (const stage of stages) expect({ stage, count: countMessages(events, stage) }).toEqual({ stage, count: 1 });
    const steps = metricSteps(events);
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
    const stored = await stagesInStore(jobId);
    expect(stored.preparations).toHaveLength(1);
    expect(stored.runs).toHaveLength(1);
    return steps;
  }

  it('uploads, trains with the halfway question answered through the API, streams and pages events, downloads adapter and merged model that agree', async () => {
    await withOutput(() => runFineTuningScenario(target));
  }, 420_000);

  it('a cancel sent right after create ends each job cancelled, once, having trained nothing', async () => {
    await withOutput(() => runCancelRightAfterCreate(target));
  }, 300_000);

  it('a job nobody answers never hangs: the policy answers by default, and an asked question is decided at its timeout', async () => {
    await withOutput(() => runNobodyAnswers(target));
  }, 300_000);

  it('kill -9 of the orchestrator during training: the job succeeds, no stage runs twice, training is not restarted', async () => {
    await withOutput(async () => {
      const client = clientOf(target);
      const job = await createJob(target, { epochs: 20, halfway: 'ask', trainingFile: repeatedTrainingFile(10) });
      let runId: string | undefined;
      const { job: done } = await followToEnd(target, job.id, 480_000, async () => {
        // Training is under way once the first step is reported.
        for (;;) {
          const events = await client.fineTuning.jobs.listEvents(job.id, { limit: 100 });
          if (events.data.some((event) => event.type === 'metrics')) break;
          await sleep(300);
        }
        runId = await runIdOf(target, job.id);
        const orchestrator = deployment.processes[SERVICE_NAMES.indexOf('orchestrator')];
        const exited = new Promise((resolve) => orchestrator.once('exit', resolve));
        process.kill(orchestrator.pid!, 'SIGKILL');
        await exited;
        await deployment.restart('orchestrator');
      });
      if (done.status !== 'succeeded') throw new Error(`expected success: ${JSON.stringify(done)}`);
      expect(runId).toBeDefined();
      const steps = await expectEachStageOnce(job.id, [
        'Data prepared',
        'Training started',
        'Training paused at step',
        'Continuing was approved by a human',
        'Training completed',
        'The job has successfully completed',
      ]);
      expect(steps.length).toBeGreaterThan(CHECKPOINT_EVERY);
      // The run went on in its one pod while the orchestrator was down: launched once, never relaunched.
      expect(trainerSaid('training pod launched', runId!)).toHaveLength(1);
    });
  }, 540_000);

  it('kill -9 of the training pod mid-run: the trainer relaunches it, it resumes from the last checkpoint, no step is repeated or skipped', async () => {
    await withOutput(async () => {
      const client = clientOf(target);
      const job = await createJob(target, { epochs: 30, halfway: 'approve', trainingFile: repeatedTrainingFile(10) });
      let runId: string | undefined;
      let killedPid: number | undefined;
      const { job: done } = await followToEnd(target, job.id, 480_000, async () => {
        // Mid-run with a checkpoint behind it: kill as soon as the first checkpoint is listed.
        for (;;) {
          const checkpoints = await client.fineTuning.jobs.checkpoints.list(job.id);
          if (checkpoints.data.length > 0) break;
          await sleep(100);
        }
        runId = await runIdOf(target, job.id);
        const launched = trainerSaid('training pod launched', runId!);
        expect(launched).toHaveLength(1);
        killedPid = launched[0].pid as number;
        process.kill(killedPid, 'SIGKILL');
      });
      if (done.status !== 'succeeded') throw new Error(`expected success: ${JSON.stringify(done)}`);

      const steps = await expectEachStageOnce(job.id, ['Data prepared', 'Training started', 'Continuing was approved by the approval policy', 'Training completed', 'The job has successfully completed']);
      const total = steps.length;
      expect(total).toBeGreaterThan(2 * CHECKPOINT_EVERY);

      // Launched twice; the second pod resumed from a committed checkpoint, not from scratch.
      const launched = trainerSaid('training pod launched', runId!);
      expect(launched).toHaveLength(2);
      expect(launched[1].pid).not.toBe(killedPid);
      const podSaid = (msg: string, pid: unknown) => deployment.logRecords('trainer').filter((record) => record.service === 'train-pod' && record.msg === msg && record.pid === pid);
      expect(podSaid('resumed', killedPid)).toHaveLength(0);
      const resumed = podSaid('resumed', launched[1].pid);
      expect(resumed).toHaveLength(1);
      const resumedAt = resumed[0].step as number;
      expect(resumedAt).toBeGreaterThanOrEqual(CHECKPOINT_EVERY);
      expect(resumedAt % CHECKPOINT_EVERY).toBe(0);
      expect(resumedAt).toBeLessThan(total);
      if (process.env.TF_E2E_REPORT) process.stderr.write(`pod kill: pid ${killedPid} killed, relaunched pod resumed at step ${resumedAt} of ${total}\n`);
      const { checkpoints } = await stagesInStore(job.id);
      expect(checkpoints).toContain(resumedAt);
      // Each checkpoint once, at every 100th step and the last.
      const expected = Array.from({ length: Math.floor(total / CHECKPOINT_EVERY) }, (_, i) => (i + 1) * CHECKPOINT_EVERY);
      if (total % CHECKPOINT_EVERY !== 0) expected.push(total);
      expect(checkpoints).toEqual(expected);
    });
  }, 540_000);
});
