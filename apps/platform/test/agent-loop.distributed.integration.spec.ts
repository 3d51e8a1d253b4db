import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { randomUUID } from 'node:crypto';
import { runAgentLoopScenario } from './agent-loop-scenario';
import { startDeployment, type RunningDeployment } from './deployment';
import { registerTinyModel } from './fine-tuning-scenario';

const TAG = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
const TENANT = `loop-dist-${TAG}`;
const KEY = `loop-dist-key-${TAG}`;

/** A second tenant, who must not see or steer the job. */
const OTHER_KEY = `loop-dist-other-key-${TAG}`;

/** Issue #6's loop against `npm run start:distributed`: every service its own process, Kafka and MinIO. */
describe('a ReAct tool-use job that learns and judges itself, distributed mode (a process per service, Kafka, MinIO)', () => {
  let deployment: RunningDeployment;

  beforeAll(async () => {
    await registerTinyModel(createArtifactStoreFromEnv(localInfraEnv()), TENANT);
    deployment = await startDeployment('distributed', 27_000 + (process.pid % 200) * 10, {
      TF_API_KEYS: `${KEY}:${TENANT},${OTHER_KEY}:${TENANT}-other`,
      TF_RATE_LIMIT_PER_MINUTE: '100000',
      TF_LOG_LEVEL: 'warn',
    });
  }, 240_000);

  afterAll(async () => {
    await deployment?.stop();
  }, 120_000);

  it('a weak first iteration is diagnosed, the approved patch trains a second one, tool selection ends far above the base model', async () => {
    try {
      const { base, tuned, iterations } = await runAgentLoopScenario({ gatewayUrl: deployment.gatewayUrl, apiKey: KEY, otherApiKey: OTHER_KEY });
      process.stdout.write(`distributed: tool-selection accuracy on held-out requests — base ${base.toFixed(3)}, fine-tuned ${tuned.toFixed(3)} after ${iterations.length} iterations\n`);
    } catch (error) {
      throw new Error(`${(error as Error).stack}\n--- deployment output ---\n${deployment.output().slice(-8000)}`);
    }
  }, 1_800_000);
});
