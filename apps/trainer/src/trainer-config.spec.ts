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
});
