import { SERVICE_NAMES } from '@tuneforge/contracts';
import type { EmbeddedDeployment } from '@tuneforge/service-kit';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startEmbeddedPlatform } from '../src/embedded-platform';
import { WORKSPACE_ROOT } from '../src/spawn-service';
import { registerTinyModel, TINY_MODEL_NAME } from '../src/tiny-base-model';

const API_KEY = 'platform-test-key';
const TENANT = 'platform-test';

/**
 * The platform on any free ports (port 0, as the quick start runs it): the inference service's port is known only
 * once it listens, and still the gateway routes chat completions to it and a ping reaches every service, the
 * inference service included, over the one in-process bus.
 */
describe('startEmbeddedPlatform on free ports', () => {
  let deployment: EmbeddedDeployment;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-platform-'));
    const store = new FilesystemArtifactStore(dir);
    await registerTinyModel(store, TENANT, join(WORKSPACE_ROOT, 'tools/tiny-model/models/tiny-llama'));
    deployment = await startEmbeddedPlatform({
      store,
      logger: createLogger('platform-test', { level: 'warn' }),
      host: '127.0.0.1',
      basePort: 0,
      env: {
        TF_API_KEYS: `${API_KEY}:${TENANT}`,
        TF_PING_TIMEOUT_MS: '20000',
        TF_INFERENCE_MODEL_DIR: join(dir, 'inference-models'),
        TF_INFERENCE_THREADS: '1',
        TF_TRAIN_POD_THREADS: '1',
      },
    });
  });

  afterAll(() => deployment?.close());

  it('lists every service, the gateway first', () => {
    expect([...deployment.apps.keys()].sort()).toEqual([...SERVICE_NAMES].sort());
    expect([...deployment.apps.keys()][0]).toBe('gateway');
  });

  it('every service answers a ping through the gateway, the inference service too', async () => {
    const response = await fetch(`${deployment.apps.get('gateway')!.url}/v1/ping`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { services: Array<{ service: string }>; missing: string[] };
    expect(body.missing).toEqual([]);
    expect(body.services.map((answer) => answer.service).sort()).toEqual([...SERVICE_NAMES].sort());
  });

  it('the gateway routes chat completions to the inference service', async () => {
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${deployment.apps.get('gateway')!.url}/v1`, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: TINY_MODEL_NAME, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 4, temperature: 0 });
    expect(answer.choices[0].finish_reason).toMatch(/^(stop|length)$/);
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
  });
});
