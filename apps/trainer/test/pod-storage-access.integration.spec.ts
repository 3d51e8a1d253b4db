import type { PodRunSpec } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { PodExit } from '../src/runs/training-launcher';
import { createTrainingLauncher } from '../src/trainer.module';

/**
 * A pod the trainer launches against the local MinIO (infra/up.sh; fails, never skips, without it) holds keys minted
 * for its run: not the trainer's, and good for its run's inputs and output prefix only.
 */
const env = localInfraEnv();
const logger = createLogger('pod-storage-it', { destination: new Writable({ write: (_c, _e, done) => done() }) });
const PROBE = join(__dirname, 'fixtures/storage-probe-pod.ts');

describe("a local pod's storage credentials (distributed mode, MinIO)", () => {
  const store = createArtifactStoreFromEnv(env);
  const tenant = `pod-it-${randomUUID().slice(0, 8)}`;
  const jobId = `ftjob-${randomUUID().slice(0, 8)}`;
  const spec = {
    tenant,
    requestMessageId: randomUUID(),
    request: { runId: 'run-1', jobId, baseModel: 'models/base', datasets: ['datasets/ds'], training: {}, maxSequenceLength: 64 },
  } as unknown as PodRunSpec;

  beforeAll(async () => {
    const scoped = store.forTenant(tenant);
    await scoped.put('datasets/ds/train.jsonl', Buffer.from('{}\n'));
    await scoped.put('models/base/config.json', Buffer.from('{}'));
    await scoped.put(`jobs/${jobId}/training/other-run/checkpoints/state.bin`, Buffer.from('other'));
    await store.forTenant('other-tenant').put('datasets/ds/train.jsonl', Buffer.from('{}\n')).catch(() => undefined);
  });

  it('are minted for its run (the trainer keeps its own), reach its inputs and its prefix, and nothing else', async () => {
    // TF_TRAIN_POD_ENV naming the trainer's keys (as older test harnesses did) does not hand them on.
    const raw = { TF_TRAIN_POD_ENTRY: PROBE, TF_TRAIN_POD_CREDENTIAL_SECONDS: '1200', TF_TRAIN_POD_ENV: JSON.stringify({ TF_S3_ACCESS_KEY: env.TF_S3_ACCESS_KEY, TF_S3_SECRET_KEY: env.TF_S3_SECRET_KEY }) };
    const launcher = await createTrainingLauncher(raw, { transport: 'kafka' } as MessageBus, logger, store);
    const launchedAt = Date.now();
    const exit = await new Promise<PodExit>((resolve, reject) => {
      launcher.launch(spec, { onPublish: async () => undefined, onExit: resolve }).catch(reject);
    });
    expect({ code: exit.code, output: exit.code === 0 ? '' : exit.outputTail }).toEqual({ code: 0, output: '' });
    const seen = JSON.parse(exit.outputTail) as { accessKey: string; hasToken: boolean; expiresAt: string; probes: Record<string, string> };
    expect(seen.accessKey).not.toBe(env.TF_S3_ACCESS_KEY);
    expect(seen.hasToken).toBe(true);
    const lifetime = (Date.parse(seen.expiresAt) - launchedAt) / 1000;
    expect(lifetime).toBeGreaterThan(1100);
    expect(lifetime).toBeLessThanOrEqual(1205);
    expect(seen.probes).toEqual({
      readDataset: 'ok',
      readBaseModel: 'ok',
      writeOwn: 'ok',
      listOwn: 'ok',
      writeDataset: 'AccessDenied',
      readOtherRun: 'AccessDenied',
      readOtherTenant: 'AccessDenied',
    });
  });
});
