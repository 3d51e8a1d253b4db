import { SERVICE_NAMES } from '@tuneforge/contracts';
import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { startDeployment, type RunningDeployment } from './deployment';
import { WORKSPACE_ROOT } from '../src/spawn-service';
import { clientOf, registerTinyModel, untilTerminal, type ScenarioTarget } from './fine-tuning-scenario';

const TAG = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
const TENANT = `e2e-gw-crash-${TAG}`;
const KEY = `e2e-gw-crash-key-${TAG}`;
const FIXTURES = join(WORKSPACE_ROOT, 'apps/trainer/test/fixtures');
const CREATES = 6;
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/**
 * Issue #17's kill -9 of the gateway while it creates jobs: a job is written with the message that announces it in
 * one transaction (the outbox), so whatever moment the gateway dies at, a job either does not exist or exists and
 * runs once it is announced (by the restarted gateway's relay). No job is left half-made in validating_files.
 */
describe('kill -9 of the gateway while it creates jobs (distributed mode)', () => {
  let deployment: RunningDeployment;
  let target: ScenarioTarget;

  beforeAll(async () => {
    await registerTinyModel(createArtifactStoreFromEnv(localInfraEnv()), TENANT);
    deployment = await startDeployment('distributed', 25_000 + (process.pid % 200) * 10, {
      TF_API_KEYS: `${KEY}:${TENANT}`,
      TF_RATE_LIMIT_PER_MINUTE: '100000',
      TF_TRAIN_POD_THREADS: '1',
    });
    target = { gatewayUrl: deployment.gatewayUrl, apiKey: KEY, otherApiKey: KEY };
  }, 240_000);

  afterAll(async () => {
    await deployment?.stop();
  }, 120_000);

  it('leaves no job, or a job that runs: every acknowledged job and every listed job succeeds', async () => {
    const client = clientOf(target);
    const training = await client.files.create({ file: createReadStream(join(FIXTURES, 'train.jsonl')), purpose: 'fine-tune' });
    const body = {
      model: 'tiny-llama',
      training_file: training.id,
      hyperparameters: { n_epochs: 1, batch_size: 1 },
      tuneforge: { approval_policy: { training_halfway: 'approve' }, evaluation: { enabled: false }, iteration_budget: 1 },
    };
    // Creates in flight, one after another as fast as they go; the gateway dies among them.
    const acknowledged: string[] = [];
    const creating = (async () => {
      for (let i = 0; i < CREATES; i++) {
        const response = await fetch(`${target.gatewayUrl}/v1/fine_tuning/jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).catch(() => undefined);
        if (response?.status === 200) acknowledged.push(((await response.json()) as { id: string }).id);
      }
    })();
    await sleep(150 + Math.floor(Math.random() * 400));
    const gateway = deployment.processes[SERVICE_NAMES.indexOf('gateway')];
    const exited = new Promise((resolveExit) => gateway.once('exit', resolveExit));
    process.kill(gateway.pid!, 'SIGKILL');
    await exited;
    await creating;
    await deployment.restart('gateway');

    const listed = (await client.fineTuning.jobs.list({ limit: 100 })).data.map((job) => job.id);
    // An acknowledged job is never lost.
    for (const id of acknowledged) expect(listed).toContain(id);
    expect(listed.length).toBeGreaterThan(0);
    // Every job that exists runs: none stays in validating_files for want of its announcement.
    const ended = await Promise.all(listed.map((id) => untilTerminal(target, id, 480_000, () => deployment.output().slice(-6000))));
    expect(ended.map((job) => ({ id: job.id, status: job.status }))).toEqual(listed.map((id) => ({ id, status: 'succeeded' })));
  }, 720_000);
});
