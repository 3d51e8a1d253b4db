import { EngineError } from './errors';
import { resolveGenerateOptions, resolveTrainConfig } from './config';

describe('resolveTrainConfig', () => {
  it('maps a LoRA config to the native layout', () => {
    const c = resolveTrainConfig({
      mode: 'lora',
      lora: { r: 8, alpha: 16, dropout: 0.05, targetModules: ['q_proj', 'v_proj', 'down_proj'] },
      lr: 2e-4,
      schedule: 'cosine',
      warmupSteps: 10,
      totalSteps: 100,
    });
    expect(c).toMatchObject({ mode: 1, loraRank: 8, loraAlpha: 16, loraTargets: 0b1000101, schedule: 2, totalSteps: 100 });
  });

  it.each([
    [{ mode: 'lora', lr: 1e-3 }, /lora settings are required/],
    [{ mode: 'lora', lr: 1e-3, lora: { r: 4, alpha: 8, targetModules: ['qkv'] } }, /unknown lora target module 'qkv'/],
    [{ mode: 'lora', lr: 1e-3, lora: { r: 0, alpha: 8, targetModules: ['q_proj'] } }, /lora.r must be >= 1/],
    [{ mode: 'full', lr: -1 }, /lr must be >= 0/],
    [{ mode: 'full', lr: 1e-3, schedule: 'cosine' }, /totalSteps is required/],
    [{ mode: 'full', lr: 1e-3, schedule: 'exp' }, /schedule must be one of/],
    [{ mode: 'full', lr: 1e-3, betas: [0.9, 1] }, /betas\[1\] must be <=/],
    [{ mode: 'sparse', lr: 1e-3 }, /mode must be/],
  ])('rejects %j', (config, message) => {
    const call = () => resolveTrainConfig(config as never);
    expect(call).toThrow(EngineError);
    expect(call).toThrow(message);
  });
});

describe('resolveGenerateOptions', () => {
  it('flattens stop sequences', () => {
    const o = resolveGenerateOptions({ maxNewTokens: 4, stop: [[1, 2], [3]] }, 10);
    expect(Array.from(o.stopTokens)).toEqual([1, 2, 3]);
    expect(Array.from(o.stopOffsets)).toEqual([0, 2, 3]);
    expect(o.temperature).toBe(0);
  });

  it('rejects bad values with INVALID_ARGUMENT', () => {
    expect(() => resolveGenerateOptions({ maxNewTokens: 0 }, 10)).toThrow(/maxNewTokens/);
    expect(() => resolveGenerateOptions({ maxNewTokens: 2, stop: [[]] }, 10)).toThrow(/stop\[0\]/);
    expect(() => resolveGenerateOptions({ maxNewTokens: 2, stop: [[10]] }, 10)).toThrow(/not an id/);
    try {
      resolveGenerateOptions({ maxNewTokens: 2, topP: 0 }, 10);
    } catch (e) {
      expect((e as EngineError).code).toBe('INVALID_ARGUMENT');
    }
  });
});
