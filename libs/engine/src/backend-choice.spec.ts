// Which operation table a model runs on: the caller's, else the process's TF_ENGINE_BACKEND, else the CPU. This
// machine's addon has no CUDA backend (it builds CPU-only unless TF_CUDA=ON), so asking for it is a clear refusal.
import { resolve } from 'node:path';
import { EngineError } from './errors';
import { backendFromEnvironment, Model } from './model';

const TINY = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');

describe('the engine backend', () => {
  const saved = process.env['TF_ENGINE_BACKEND'];
  afterEach(() => {
    if (saved === undefined) delete process.env['TF_ENGINE_BACKEND'];
    else process.env['TF_ENGINE_BACKEND'] = saved;
  });

  it('comes from TF_ENGINE_BACKEND, cpu when unset, and refuses anything else', () => {
    expect(backendFromEnvironment({})).toBe('cpu');
    expect(backendFromEnvironment({ TF_ENGINE_BACKEND: '' })).toBe('cpu');
    expect(backendFromEnvironment({ TF_ENGINE_BACKEND: 'cuda' })).toBe('cuda');
    expect(() => backendFromEnvironment({ TF_ENGINE_BACKEND: 'gpu' })).toThrow(/TF_ENGINE_BACKEND must be cpu or cuda, got "gpu"/);
  });

  it('loads on the CPU by default, and refuses cuda from the environment with the reason when the addon has no CUDA backend', async () => {
    delete process.env['TF_ENGINE_BACKEND'];
    const model = await Model.load(TINY, { threads: 1 });
    expect(model.info().numLayers).toBeGreaterThan(0);
    model.dispose();
    process.env['TF_ENGINE_BACKEND'] = 'cuda';
    const error = await Model.load(TINY, { threads: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('UNSUPPORTED');
    expect((error as EngineError).message).toMatch(/cuda/i);
  });
});
