import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDeployment, type RunningDeployment } from './deployment';
import { clientOf, countMessages, createJob, eventsAfterTheEnd, metricSteps, registerTinyModel, repeatedTrainingFile, untilTerminal, type ScenarioTarget } from './fine-tuning-scenario';

const TAG = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
const TENANT = `e2e-pg-outage-${TAG}`;
const KEY = `e2e-pg-outage-key-${TAG}`;
const INFRA = resolve(__dirname, '../../../infra');
const OUTAGE_MS = 30_000;
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/**
 * Issue #17's drill: every service its own process, and the metadata database (a Postgres server of this test's own,
 * started with infra/'s scripts on another port) killed with SIGKILL for 30 s while a job trains. The services wait
 * the outage out and the job finishes after the database returns, each stage once.
 */
describe('a Postgres outage of 30 s while a job runs (distributed mode)', () => {
  const run = mkdtempSync(join(tmpdir(), 'tf-pg-drill-'));
  const port = 5440 + Math.floor(Math.random() * 30);
  // TF_INFRA_FRESH off: CI runs the tests under TF_INFRA_FRESH=1, which would wipe the data when Postgres comes back.
  const infraEnv = { ...process.env, TUNEFORGE_RUN: run, TF_POSTGRES_PORT: String(port), TF_INFRA_WAIT_S: '90', TF_INFRA_FRESH: '0' };
  const postgres = (script: 'up.sh' | 'down.sh') => execFileSync('bash', [join(INFRA, script), 'postgres'], { env: infraEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let deployment: RunningDeployment;
  let target: ScenarioTarget;

  beforeAll(async () => {
    postgres('up.sh');
    await registerTinyModel(createArtifactStoreFromEnv(localInfraEnv()), TENANT);
    deployment = await startDeployment('distributed', 24_000 + (process.pid % 200) * 10, {
      TF_DATABASE_URL: `postgres://tuneforge:tuneforge-dev-secret@127.0.0.1:${port}/tuneforge`,
      TF_API_KEYS: `${KEY}:${TENANT}`,
      TF_RATE_LIMIT_PER_MINUTE: '100000',
      TF_TRAIN_POD_THREADS: '1',
    });
    target = { gatewayUrl: deployment.gatewayUrl, apiKey: KEY, otherApiKey: KEY };
  }, 240_000);

  afterAll(async () => {
    await deployment?.stop();
    try {
      postgres('down.sh');
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  }, 120_000);

  it('the job finishes after the database returns, every stage once and every step reported', async () => {
    const client = clientOf(target);
    const job = await createJob(target, { epochs: 30, halfway: 'approve', trainingFile: repeatedTrainingFile(10) });
    try {
      // Training is under way once the first step is reported.
      for (;;) {
        const events = await client.fineTuning.jobs.listEvents(job.id, { limit: 100 });
        if (events.data.some((event) => event.type === 'metrics')) break;
        await sleep(300);
      }
      // The postmaster and every backend at once, as when its machine goes.
      const pid = Number(readFileSync(join(run, 'postgres', 'postgres.pid'), 'utf8').trim());
      execFileSync('pkill', ['-KILL', '-P', String(pid)]);
      process.kill(pid, 'SIGKILL');
      const downAt = Date.now();
      // While it is away the API answers errors (the services keep running); nothing is decided about the job.
      const duringOutage = await client.fineTuning.jobs.retrieve(job.id).then(
        () => 'answered',
        (error: { status?: number }) => `error ${error.status ?? 'without status'}`,
      );
      await sleep(OUTAGE_MS - (Date.now() - downAt));
      postgres('up.sh');

      const done = await untilTerminal(target, job.id, 480_000);
      expect(done.status).toBe('succeeded');
      expect(duringOutage).toMatch(/^error/);
      const events = await eventsAfterTheEnd(target, job.id, 120_000);
      for (const stage of ['Data prepared', 'Training started', 'Training completed', 'The job has successfully completed']) {
        expect({ stage, count: countMessages(events, stage) }).toEqual({ stage, count: 1 });
      }
      const steps = metricSteps(events);
      expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
      // No service died of it: the deployment's processes are the ones it started.
      expect(deployment.processes.every((child) => child.exitCode === null && child.signalCode === null)).toBe(true);
    } catch (error) {
      throw new Error(`${(error as Error).stack}\n--- deployment output ---\n${deployment.output().slice(-8000)}`);
    }
  }, 720_000);
});
