import { loadDefaultConfig } from '../config/default-config';
import { applyJobPatch, JobPatchError, mergePatch } from './apply-job-patch';

describe('mergePatch (RFC 7386)', () => {
  // The examples of RFC 7386 appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('merges %j with %j into %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it('leaves its arguments untouched', () => {
    const target = { a: { b: 1 } };
    const patch = { a: { b: 2 } };
    mergePatch(target, patch);
    expect(target).toEqual({ a: { b: 1 } });
    expect(patch).toEqual({ a: { b: 2 } });
  });
});

describe('applyJobPatch', () => {
  const config = loadDefaultConfig();

  it('returns the patched, validated configuration and keeps everything the patch does not name', () => {
    const patched = applyJobPatch(config, { training: { learningRate: 0.00006, epochs: 2 }, synthesis: { enabled: true, samples: 400 } });
    expect(patched.training).toEqual({ ...config.training, learningRate: 0.00006, epochs: 2 });
    expect(patched.synthesis).toEqual({ ...config.synthesis, enabled: true, samples: 400 });
    expect(patched.data).toEqual(config.data);
    expect(config.training.learningRate).toBe(0.0002);
  });

  it('removes an optional key patched with null', () => {
    expect(applyJobPatch(config, { synthesis: { source: null } }).synthesis).not.toHaveProperty('source');
  });

  it('refuses a patch whose result is not a job configuration, naming each field', () => {
    expect(() => applyJobPatch(config, { training: { learningRate: -1 } })).toThrow(JobPatchError);
    expect(() => applyJobPatch(config, { training: { learningRate: -1 } })).toThrow(/training\.learningRate/);
    expect(() => applyJobPatch(config, { training: { epoch: 2 } })).toThrow(/training: Unrecognized key: "epoch"|epoch/);
    expect(() => applyJobPatch(config, { training: { microBatchSize: 3 } })).toThrow(/training\.batchSize: batchSize must be a multiple of microBatchSize/);
    expect(() => applyJobPatch(config, { data: null })).toThrow(/data/);
  });
});
