import { FilesystemArtifactStore } from '@tuneforge/storage';
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '../src/spawn-service';
import { startDeployment, type RunningDeployment } from './deployment';
import { clientOf, registerTinyModel } from './fine-tuning-scenario';

const TERMINAL = ['succeeded', 'failed', 'cancelled'];
const KEY = 'concurrent-jobs-key';

/**
 * Several jobs at once on one embedded deployment (three training pods beside the services on 2 cores): each
 * ends succeeded. Before the engine's threads waited passively, one pod could starve for over a minute.
 */
describe('three jobs at once, embedded mode', () => {
  let deployment: RunningDeployment | undefined;
  afterAll(async () => {
    expect(await deployment?.stop()).toEqual([0]);
  }, 60_000);

  it('all succeed, each with its own model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-concurrent-'));
    await registerTinyModel(new FilesystemArtifactStore(dir), 'concurrent');
    deployment = await startDeployment('embedded', 25_000 + (process.pid % 300) * 10, {
      TF_STORAGE_DRIVER: 'filesystem',
      TF_ARTIFACT_DIR: dir,
      TF_API_KEYS: `${KEY}:concurrent`,
      TF_RATE_LIMIT_PER_MINUTE: '100000',
      TF_LOG_LEVEL: 'warn',
    });
    const client = clientOf({ gatewayUrl: deployment.gatewayUrl, apiKey: KEY, otherApiKey: KEY });
    const file = await client.files.create({ file: createReadStream(join(WORKSPACE_ROOT, 'apps/trainer/test/fixtures/train.jsonl')), purpose: 'fine-tune' });
    const jobs = [];
    for (const epochs of [2, 2, 3]) jobs.push(await client.fineTuning.jobs.create({ model: 'tiny-llama', training_file: file.id, hyperparameters: { n_epochs: epochs, batch_size: 1 } }));
    const deadline = Date.now() + 120_000;
    for (;;) {
      const current = await Promise.all(jobs.map((job) => client.fineTuning.jobs.retrieve(job.id)));
      if (current.every((job) => TERMINAL.includes(job.status))) {
        expect(current.map((job) => job.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
        expect(new Set(current.map((job) => job.fine_tuned_model)).size).toBe(3);
        return;
      }
      if (Date.now() > deadline) {
        const stuck = current.filter((job) => !TERMINAL.includes(job.status));
        const events = await Promise.all(stuck.map(async (job) => `${job.id} ${job.status}: ${(await client.fineTuning.jobs.listEvents(job.id, { limit: 100 })).data.map((e) => e.message).reverse().join(' | ')}`));
        throw new Error(`jobs still running after 120 s:\n${events.join('\n')}\n${deployment.output().slice(-4000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }, 180_000);
});
