import type { MessageBus } from '@tuneforge/messaging';
import { createLogger } from '@tuneforge/telemetry';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { KubernetesJobLauncher } from './kubernetes/kubernetes-job-launcher';
import { LocalProcessLauncher } from './runs/local-process-launcher';
import { createTrainingLauncher } from './trainer.module';

const logger = createLogger('trainer-module-spec', { destination: new Writable({ write: (_c, _e, done) => done() }) });
const bus = (transport: MessageBus['transport']) => ({ transport }) as MessageBus;

describe('the training launcher the trainer starts with', () => {
  const savedKubeconfig = process.env.KUBECONFIG;
  afterEach(() => {
    if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = savedKubeconfig;
  });

  it('is the local process launcher by default', async () => {
    await expect(createTrainingLauncher({}, bus('in-process'), logger)).resolves.toBeInstanceOf(LocalProcessLauncher);
  });

  it('is the Kubernetes Job launcher when asked, with the kubeconfig kubectl would use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-kubeconfig-'));
    writeFileSync(
      join(dir, 'config'),
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    process.env.KUBECONFIG = join(dir, 'config');
    await expect(createTrainingLauncher({ TF_TRAIN_LAUNCHER: 'kubernetes' }, bus('kafka'), logger)).resolves.toBeInstanceOf(KubernetesJobLauncher);
  });

  it('refuses Kubernetes Jobs on the in-process bus, which no pod in a cluster can reach', async () => {
    await expect(createTrainingLauncher({ TF_TRAIN_LAUNCHER: 'kubernetes' }, bus('in-process'), logger)).rejects.toThrow(/TF_TRAIN_LAUNCHER=kubernetes needs the Kafka bus/);
  });

  it('names the kubeconfig it cannot load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-kubeconfig-'));
    writeFileSync(join(dir, 'config'), '');
    process.env.KUBECONFIG = join(dir, 'config');
    await expect(createTrainingLauncher({ TF_TRAIN_LAUNCHER: 'kubernetes' }, bus('kafka'), logger)).rejects.toThrow(
      `TF_TRAIN_LAUNCHER=kubernetes: cannot load the Kubernetes configuration from ${join(dir, 'config')}`,
    );
  });

  it('refuses a training Job template that cannot be read, naming it', async () => {
    await expect(
      createTrainingLauncher({ TF_TRAIN_LAUNCHER: 'kubernetes', TF_TRAINING_JOB_TEMPLATE: '/nonexistent/job.yaml' }, bus('kafka'), logger),
    ).rejects.toThrow(/TF_TRAINING_JOB_TEMPLATE: cannot read \/nonexistent\/job\.yaml/);
  });
});
