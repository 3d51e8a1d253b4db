import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { embeddedGatewayUrl, stopProcess } from '@tuneforge/service-kit/src/testing/child-process';
import { WORKSPACE_ROOT } from '../src/spawn-service';

const FIXTURES = join(WORKSPACE_ROOT, 'apps/trainer/test/fixtures');
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The command `npm run start:embedded` runs (package.json), with the workspace's paths made absolute. */
function startEmbedded(cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['-r', require.resolve('@swc-node/register'), join(WORKSPACE_ROOT, 'apps/platform/src/embedded.ts')], {
    cwd,
    // Started outside the checkout, swc-node is told where the workspace's compiler settings are.
    env: { ...env, SWC_NODE_PROJECT: join(WORKSPACE_ROOT, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * `npm run start:embedded` as a user runs it from a fresh checkout: no TF_ARTIFACT_DIR (so the artifacts go to
 * ./.tuneforge/artifacts of the directory it was started in, here a fresh one), no model registered by hand,
 * driven with the official OpenAI SDK and the development key, until a job has succeeded.
 */
describe('npm run start:embedded', () => {
  it('registers the default and the tiny model, says so, runs a fine-tuning job to succeeded and stops cleanly on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tf-start-embedded-'));
    const env: NodeJS.ProcessEnv = { ...process.env, TF_HTTP_PORT: '0', TF_TRAIN_POD_THREADS: '1' };
    for (const name of ['TF_ARTIFACT_DIR', 'TF_STORAGE_DRIVER', 'TF_API_KEYS', 'TF_TRAIN_POD_ENV', 'TF_LOG_LEVEL']) delete env[name];
    const started = Date.now();
    const child = startEmbedded(cwd, env);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    const failWith = (error: unknown) => new Error(`${(error as Error).stack ?? error}\n--- start:embedded output ---\n${output.slice(-6000)}`);

    try {
      const gatewayUrl = await embeddedGatewayUrl(child, () => output, 120_000);
      const artifactDir = join(cwd, '.tuneforge', 'artifacts');
      // It says which base models it registered for every tenant: the default model setup installed, and the tiny one.
      expect(output).toContain("base model 'tiny-llama' registered for every tenant");
      expect(output).toContain("base model 'SmolLM2-135M-Instruct' registered for every tenant");
      expect(existsSync(join(artifactDir, 'base-models', 'tiny-llama', 'model.safetensors'))).toBe(true);

      const client = new OpenAI({ apiKey: 'tf-dev-key', baseURL: `${gatewayUrl}/v1`, maxRetries: 0, timeout: 60_000 });
      const file = await client.files.create({ file: createReadStream(join(FIXTURES, 'train.jsonl')), purpose: 'fine-tune' });
      let job = await client.fineTuning.jobs.create({
        model: 'tiny-llama',
        training_file: file.id,
        // Six short conversations, once each: a few seconds of training.
        hyperparameters: { n_epochs: 2, batch_size: 1 },
        // The training alone: no evaluation round, and the halfway question answered by the policy.
        ...({ tuneforge: { approval_policy: { training_halfway: 'approve' }, evaluation: { enabled: false }, iteration_budget: 1 } } as object),
      });
      const deadline = Date.now() + 150_000;
      while (!TERMINAL.has(job.status) && Date.now() < deadline) {
        await sleep(300);
        job = await client.fineTuning.jobs.retrieve(job.id);
      }
      expect({ status: job.status, error: job.error }).toEqual({ status: 'succeeded', error: null });
      expect(job.fine_tuned_model).toBeTruthy();
      process.stdout.write(`start:embedded: ready and a job succeeded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      await stopProcess(child);
      throw failWith(error);
    }
    // SIGTERM: every service closes and the process ends by itself with 0.
    expect(await stopProcess(child)).toBe(0);
  }, 300_000);
});
