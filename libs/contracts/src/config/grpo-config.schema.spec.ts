import { loadDefaultConfig } from './default-config';
import { chainsOfComputeMultiplier, DEFAULT_GRPO_CONFIG, grpoConfigSchema, resolveGrpoConfig } from './grpo-config.schema';
import { jobConfigSchema } from './job-config.schema';

describe('training.grpo', () => {
  it('fills every default, chains from compute_multiplier unless set', () => {
    expect(resolveGrpoConfig(undefined)).toEqual({ ...DEFAULT_GRPO_CONFIG, numChains: 4 });
    expect(resolveGrpoConfig(undefined, 2).numChains).toBe(8);
    expect(resolveGrpoConfig({ numChains: 6, beta: 0.04 }, 2)).toMatchObject({ numChains: 6, beta: 0.04, aggregation: 'token' });
    expect([0.1, 0.5, 1, 3, 100].map(chainsOfComputeMultiplier)).toEqual([2, 2, 4, 12, 64]);
  });

  it('refuses unknown fields and values out of range, naming them', () => {
    expect(grpoConfigSchema.safeParse({ aggregation: 'mean' }).success).toBe(false);
    expect(grpoConfigSchema.safeParse({ numChains: 1 }).success).toBe(false);
    expect(grpoConfigSchema.safeParse({ epsilonLow: 1 }).success).toBe(false);
    expect(grpoConfigSchema.safeParse({ kl: 0.1 }).success).toBe(false);
    const config = loadDefaultConfig();
    const bad = jobConfigSchema.safeParse({ ...config, training: { ...config.training, grpo: { temperature: 0 } } });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(bad.error.issues[0].path).toEqual(['training', 'grpo', 'temperature']);
    expect(jobConfigSchema.safeParse({ ...config, training: { ...config.training, grpo: { maxTurns: 2, rewardScaling: 'none' } } }).success).toBe(true);
  });
});
