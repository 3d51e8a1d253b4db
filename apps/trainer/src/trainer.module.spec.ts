import type { PodRunSpec } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { createArtifactStoreFromEnv, FilesystemArtifactStore, type ArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { KubernetesJobLauncher } from './kubernetes/kubernetes-job-launcher';
import { LocalProcessLauncher } from './runs/local-process-launcher';
import type { PodExit } from './runs/training-launcher';
import { createTrainingLauncher } from './trainer.module';

const logger = createLogger('trainer-module-spec', { destination: new Writable({ write: (_c, _e, done) => done() }) });
const bus = (transport: MessageBus['transport']) => ({ transport }) as MessageBus;
const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-trainer-store-')));

describe('the training launcher the trainer starts with', () => {
  const savedKubeconfig = process.env.KUBECONFIG;
  afterEach(() => {
    if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = savedKubeconfig;
  });

  it('is the local process launcher by default', async () => {
    await expect(createTrainingLauncher({}, bus('in-process'), logger, store)).resolves.toBeInstanceOf(LocalProcessLauncher);
  });

  it('is the Kubernetes Job launcher when asked, with the kubeconfig kubectl would use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-kubeconfig-'));
    writeFileSync(
      join(dir, 'config'),
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    process.env.KUBECONFIG = join(dir, 'config');
    await expect(createTrainingLauncher({ TF_TRAIN_LAUNCHER: 'kubernetes' }, bus('kafka'), logger, store)).resolves.toBeInstanceOf(KubernetesJobLauncher);
  });

  it('refuses Kubernetes Jobs on the in-process bus, which no pod in a cluster can reach', async () => {
    await expect(createTrainingLauncher({ TF_TRAIN_LAUNCHER: 'kubernetes' }, bus('in-process'), logger, store)).rejects.toThrow(/TF_TRAIN_LAUNCHER=kubernetes needs the Kafka bus/);
  });

  it('names the kubeconfig it cannot load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-kubeconfig-'));
    writeFileSync(join(dir, 'config'), '');
    process.env.KUBECONFIG = join(dir, 'config');
    await expect(createTrainingLauncher({ TF_TRAIN_LAUNCHER: 'kubernetes' }, bus('kafka'), logger, store)).rejects.toThrow(
      `TF_TRAIN_LAUNCHER=kubernetes: cannot load the Kubernetes configuration from ${join(dir, 'config')}`,
    );
  });

  it('refuses a training Job template that cannot be read, naming it', async () => {
    await expect(
      createTrainingLauncher({ TF_TRAIN_LAUNCHER: 'kubernetes', TF_TRAINING_JOB_TEMPLATE: '/nonexistent/job.yaml' }, bus('kafka'), logger, store),
    ).rejects.toThrow(/TF_TRAINING_JOB_TEMPLATE: cannot read \/nonexistent\/job\.yaml/);
  });

  describe('a local pod', () => {
    const savedArtifactDir = process.env.TF_ARTIFACT_DIR;
    afterEach(() => {
      if (savedArtifactDir === undefined) delete process.env.TF_ARTIFACT_DIR;
      else process.env.TF_ARTIFACT_DIR = savedArtifactDir;
    });

    /** The storage variables a pod the trainer's launcher starts sees (the pod program here only prints them). */
    async function storageEnvSeenByPod(trainerStore: ArtifactStore, transport: MessageBus['transport'], raw: Record<string, string> = {}): Promise<Record<string, string>> {
      const entry = join(mkdtempSync(join(tmpdir(), 'tf-pod-entry-')), 'print-env.js');
      writeFileSync(entry, `const e = process.env; process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(e).filter(([k]) => /^TF_(STORAGE_DRIVER|ARTIFACT_DIR|S3_)/.test(k)))));\n`);
      const launcher = await createTrainingLauncher({ ...raw, TF_TRAIN_POD_ENTRY: entry }, bus(transport), logger, trainerStore);
      const exit = new Promise<PodExit>((resolve) => {
        void launcher.launch({ tenant: 't', requestMessageId: 'm', request: { runId: 'run-1' } } as unknown as PodRunSpec, { onPublish: async () => undefined, onExit: resolve });
      });
      const { code, outputTail } = await exit;
      expect(code).toBe(0);
      return JSON.parse(outputTail) as Record<string, string>;
    }

    it("opens the trainer's own filesystem store, not the one this process's environment names (embedded mode)", async () => {
      process.env.TF_ARTIFACT_DIR = join(tmpdir(), 'tf-not-the-deployment-store');
      await expect(storageEnvSeenByPod(store, 'in-process')).resolves.toEqual({ TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: store.rootDir });
    });

    it("never hands a MinIO store's own keys to a pod: no pod starts when none can be minted for its run", async () => {
      // Nothing listens there: the STS request fails, and so does the launch (minting against a real MinIO: test/pod-storage-access.integration.spec.ts).
      const minio = createArtifactStoreFromEnv({ TF_STORAGE_DRIVER: 'minio', TF_S3_ENDPOINT: 'http://127.0.0.1:9', TF_S3_ACCESS_KEY: 'ak', TF_S3_SECRET_KEY: 'sk', TF_S3_BUCKET: 'pods' });
      const launcher = await createTrainingLauncher({ TF_TRAIN_POD_ENTRY: '/nonexistent.js' }, bus('kafka'), logger, minio);
      const spec = { tenant: 't', requestMessageId: 'm', request: { runId: 'run-1', jobId: 'job-1', datasets: ['d'], baseModel: 'm' } } as unknown as PodRunSpec;
      await expect(launcher.launch(spec, { onPublish: async () => undefined, onExit: () => undefined })).rejects.toThrow(/Failed to get Credentials/);
    });

    it('takes the settings TF_TRAIN_POD_ENV names over the trainer\'s', async () => {
      const own = { TF_TRAIN_POD_ENV: JSON.stringify({ TF_ARTIFACT_DIR: '/mnt/shared/artifacts' }) };
      await expect(storageEnvSeenByPod(store, 'in-process', own)).resolves.toEqual({ TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: '/mnt/shared/artifacts' });
    });
  });
});
