import { resolveTrainerConfig } from './trainer-config';

describe('trainer configuration', () => {
  it('applies defaults and parses the extra pod environment', () => {
    const config = resolveTrainerConfig({ TF_TRAIN_POD_ENV: '{"TF_STORAGE_DRIVER":"filesystem"}', TF_TRAIN_POD_THREADS: '2' });
    expect(config.TF_TRAIN_POD_ENV).toEqual({ TF_STORAGE_DRIVER: 'filesystem' });
    expect(config.TF_TRAIN_POD_THREADS).toBe(2);
    expect(config.TF_TRAIN_POD_MAX_ATTEMPTS).toBe(2);
    expect(config.TF_TRAIN_POD_ENTRY).toMatch(/apps\/train-pod\/src\/run-training\.ts$/);
  });

  it('refuses a pod environment that is not a JSON object of strings', () => {
    expect(() => resolveTrainerConfig({ TF_TRAIN_POD_ENV: '[1]' })).toThrow(/JSON object of string values/);
    expect(() => resolveTrainerConfig({ TF_TRAIN_POD_ENV: '{"A":1}' })).toThrow(/JSON object/);
  });

  it('launches local processes unless told otherwise, with the Kubernetes settings defaulted', () => {
    const config = resolveTrainerConfig({});
    expect(config.TF_TRAIN_LAUNCHER).toBe('local');
    expect(config.TF_TRAINING_NAMESPACE).toBe('tuneforge');
    expect(config.TF_TRAINING_JOB_TEMPLATE).toBeUndefined();
    expect(config.TF_TRAIN_POD_GPUS).toBe(1);
    expect(config.TF_TRAIN_JOB_POLL_MS).toBe(5000);
  });

  it('reads the Kubernetes launcher settings as the Deployment sets them', () => {
    const config = resolveTrainerConfig({
      TF_TRAIN_LAUNCHER: 'kubernetes',
      TF_TRAINING_NAMESPACE: 'ml-prod',
      TF_TRAINING_JOB_TEMPLATE: '/etc/tuneforge/training/job.yaml',
      TF_TRAIN_POD_IMAGE: 'registry.example.com/train-pod:1.0',
      TF_TRAIN_POD_GPUS: '4',
      TF_TRAIN_JOB_NODE_SELECTOR: '{"pool":"h100"}',
      TF_TRAIN_JOB_DEADLINE_SECONDS: '7200',
    });
    expect(config).toMatchObject({
      TF_TRAIN_LAUNCHER: 'kubernetes',
      TF_TRAINING_NAMESPACE: 'ml-prod',
      TF_TRAINING_JOB_TEMPLATE: '/etc/tuneforge/training/job.yaml',
      TF_TRAIN_POD_IMAGE: 'registry.example.com/train-pod:1.0',
      TF_TRAIN_POD_GPUS: 4,
      TF_TRAIN_JOB_NODE_SELECTOR: { pool: 'h100' },
      TF_TRAIN_JOB_DEADLINE_SECONDS: 7200,
    });
  });

  it('names the variable of a bad Kubernetes setting', () => {
    expect(() => resolveTrainerConfig({ TF_TRAIN_LAUNCHER: 'docker' })).toThrow(/TF_TRAIN_LAUNCHER/);
    expect(() => resolveTrainerConfig({ TF_TRAINING_NAMESPACE: 'Not_A_Namespace' })).toThrow(/TF_TRAINING_NAMESPACE[\s\S]*DNS-1123/);
    expect(() => resolveTrainerConfig({ TF_TRAIN_POD_GPUS: '0' })).toThrow(/TF_TRAIN_POD_GPUS/);
  });
});
