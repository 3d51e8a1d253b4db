import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@tuneforge/telemetry';
import type { TrainerConfig } from '../trainer-config';
import { KubernetesJobLauncher } from './kubernetes-job-launcher';
import { trainingJobOptions } from './training-job-options';
import { loadTrainingJobTemplate } from './training-job-template';
import type { PodStorageEnv } from '../runs/pod-storage-access';
import { FALLBACK_ACTIVE_DEADLINE_SECONDS } from './training-job';

/** Clock skew between the trainer, MinIO and the Job controller. */
const CREDENTIAL_MARGIN_SECONDS = 300;

/**
 * In a pod: the service account's token and the API server the kubelet names (KUBERNETES_SERVICE_HOST).
 * Elsewhere: $KUBECONFIG or ~/.kube/config, as kubectl would.
 */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kubeConfig = new KubeConfig();
  const source = env.KUBERNETES_SERVICE_HOST ? 'the in-cluster service account' : (env.KUBECONFIG ?? '~/.kube/config');
  try {
    if (env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new Error(`TF_TRAIN_LAUNCHER=kubernetes: cannot load the Kubernetes configuration from ${source}: ${(error as Error).message}`);
  }
  return kubeConfig;
}

/** The launcher of TF_TRAIN_LAUNCHER=kubernetes; the template is read now, so a bad one stops the boot. */
export function createKubernetesLauncher(
  config: TrainerConfig,
  podEnv: Record<string, string>,
  logger: Logger,
  storageEnvFor: (lifetimeSeconds: number) => PodStorageEnv,
  kubeConfig?: KubeConfig,
): KubernetesJobLauncher {
  const template = loadTrainingJobTemplate(config.TF_TRAINING_JOB_TEMPLATE);
  const job = trainingJobOptions(config, podEnv);
  // The Job is killed at its deadline (counted from its start, pending time included): the credentials need not outlive it.
  const deadline = job.activeDeadlineSeconds ?? template.spec?.activeDeadlineSeconds ?? FALLBACK_ACTIVE_DEADLINE_SECONDS;
  return new KubernetesJobLauncher({
    kubeConfig: kubeConfig ?? loadKubeConfig(),
    namespace: config.TF_TRAINING_NAMESPACE,
    template,
    job,
    storageEnv: storageEnvFor(deadline + CREDENTIAL_MARGIN_SECONDS),
    pollIntervalMs: config.TF_TRAIN_JOB_POLL_MS,
    startTimeoutMs: config.TF_TRAIN_JOB_START_TIMEOUT_SECONDS * 1000,
    logger,
  });
}
