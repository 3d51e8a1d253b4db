import { loadDefaultConfig, type PodRunSpec } from '@tuneforge/contracts';
import { TRAIN_POD_COMMAND, type TrainingJobOptions } from './training-job';

/** A training run as the trainer receives it, for the Job builder's and the launcher's tests (and tools/k8s's). */
export function sampleRunSpec(overrides: { runId?: string; jobId?: string; tenant?: string } = {}): PodRunSpec {
  return {
    tenant: overrides.tenant ?? 'acme',
    requestMessageId: 'msg-7f3a',
    request: {
      runId: overrides.runId ?? 'run-Alpha_01',
      jobId: overrides.jobId ?? 'ftjob-42',
      baseModel: 'models/tiny-llama',
      datasets: ['jobs/ftjob-42/data/prepared'],
      maxSequenceLength: 512,
      training: loadDefaultConfig().training,
    },
    // A relaunch after a pause: the pod starts paused, and reads control on Kafka from the request on.
    controls: ['pause'],
    controlsSince: '2026-11-21T07:00:00.000Z',
  };
}

export const sampleJobOptions: TrainingJobOptions = {
  image: 'registry.example.com/tuneforge/train-pod:1.2.3',
  gpus: 2,
  command: TRAIN_POD_COMMAND,
  env: { TF_POD_THREADS: '0', TF_POD_PROGRESS_EVERY: '5' },
  nameSuffix: 'k3x9q',
};
