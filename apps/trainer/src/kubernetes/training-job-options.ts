import type { TrainerConfig } from '../trainer-config';
import { TRAIN_POD_COMMAND, type TrainingJobOptions } from './training-job';

/**
 * What the trainer's configuration sets in each training Job besides the run. A module of its own, free of the
 * Kubernetes client: tools/k8s's test of the admission policy builds the deployed trainer's Job with it, since the
 * policy must admit exactly that Job.
 */
export function trainingJobOptions(config: TrainerConfig, podEnv: Record<string, string>): Omit<TrainingJobOptions, 'nameSuffix'> {
  return {
    image: config.TF_TRAIN_POD_IMAGE,
    gpus: config.TF_TRAIN_POD_GPUS,
    nodeSelector: config.TF_TRAIN_JOB_NODE_SELECTOR,
    serviceAccountName: config.TF_TRAIN_JOB_SERVICE_ACCOUNT,
    activeDeadlineSeconds: config.TF_TRAIN_JOB_DEADLINE_SECONDS,
    ttlSecondsAfterFinished: config.TF_TRAIN_JOB_TTL_SECONDS,
    command: TRAIN_POD_COMMAND,
    env: podEnv,
  };
}
