import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeployment, type RunningDeployment } from './deployment';
import { registerTinyModel, runFineTuningScenario, type ScenarioTarget } from './fine-tuning-scenario';
import { runCancelRightAfterCreate, runNobodyAnswers } from './job-control-scenario';

const TENANT = 'e2e-embedded';
const KEY = 'e2e-embedded-key';
const OTHER_KEY = 'e2e-embedded-other-key';

/** The acceptance scenario against `npm run start:embedded`: every service in one process, a filesystem store. */
describe('a fine-tuning job through the OpenAI SDK, embedded mode', () => {
  let deployment: RunningDeployment;
  let target: ScenarioTarget;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-e2e-embedded-'));
    await registerTinyModel(new FilesystemArtifactStore(dir), TENANT);
    deployment = await startDeployment('embedded', 21_000 + (process.pid % 500) * 10, {
      TF_STORAGE_DRIVER: 'filesystem',
      TF_ARTIFACT_DIR: dir,
      TF_API_KEYS: `${KEY}:${TENANT},${OTHER_KEY}:e2e-embedded-other`,
      TF_RATE_LIMIT_PER_MINUTE: '100000',
      TF_TRAIN_POD_THREADS: '1',
      TF_LOG_LEVEL: 'warn',
    });
    target = { gatewayUrl: deployment.gatewayUrl, apiKey: KEY, otherApiKey: OTHER_KEY };
  }, 180_000);

  afterAll(async () => {
    const codes = await deployment?.stop();
    expect(codes).toEqual([0]);
  }, 60_000);

  it('uploads, trains with the halfway question answered through the API, streams and pages events, downloads adapter and merged model that agree', async () => {
    try {
      await runFineTuningScenario(target);
    } catch (error) {
      throw new Error(`${(error as Error).stack}\n--- deployment output ---\n${deployment.output().slice(-6000)}`);
    }
  }, 400_000);

  it('a cancel sent right after create ends each job cancelled, once, having trained nothing', async () => {
    await withOutput(() => runCancelRightAfterCreate(target));
  }, 300_000);

  it('a job nobody answers never hangs: the policy answers by default, and an asked question is decided at its timeout', async () => {
    await withOutput(() => runNobodyAnswers(target));
  }, 300_000);

  async function withOutput(scenario: () => Promise<void>): Promise<void> {
    try {
      await scenario();
    } catch (error) {
      throw new Error(`${(error as Error).stack}\n--- deployment output ---\n${deployment.output().slice(-6000)}`);
    }
  }
});
