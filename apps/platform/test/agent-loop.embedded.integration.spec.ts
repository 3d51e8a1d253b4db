import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAgentLoopScenario } from './agent-loop-scenario';
import { startDeployment, type RunningDeployment } from './deployment';
import { registerTinyModel } from './fine-tuning-scenario';

const TENANT = 'loop-embedded';
const KEY = 'loop-embedded-key';

/** A second tenant, who must not see or steer the job. */
const OTHER_KEY = 'loop-embedded-other-key';

/** Issue #6's loop (evaluate → diagnose → approve the patch → iterate) against `npm run start:embedded`. */
describe('a ReAct tool-use job that learns and judges itself, embedded mode', () => {
  let deployment: RunningDeployment;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-loop-embedded-'));
    await registerTinyModel(new FilesystemArtifactStore(dir), TENANT);
    deployment = await startDeployment('embedded', 25_000 + (process.pid % 500) * 10, {
      TF_STORAGE_DRIVER: 'filesystem',
      TF_ARTIFACT_DIR: dir,
      TF_API_KEYS: `${KEY}:${TENANT},${OTHER_KEY}:${TENANT}-other`,
      TF_RATE_LIMIT_PER_MINUTE: '100000',
      TF_LOG_LEVEL: 'warn',
    });
  }, 180_000);

  afterAll(async () => {
    expect(await deployment?.stop()).toEqual([0]);
  }, 60_000);

  it('a weak first iteration is diagnosed, the approved patch trains a second one, tool selection ends far above the base model', async () => {
    try {
      const { base, tuned, iterations } = await runAgentLoopScenario({ gatewayUrl: deployment.gatewayUrl, apiKey: KEY, otherApiKey: OTHER_KEY });
      process.stdout.write(`embedded: tool-selection accuracy on held-out requests — base ${base.toFixed(3)}, fine-tuned ${tuned.toFixed(3)} after ${iterations.length} iterations\n`);
    } catch (error) {
      throw new Error(`${(error as Error).stack}\n--- deployment output ---\n${deployment.output().slice(-6000)}`);
    }
  }, 1_800_000);
});
