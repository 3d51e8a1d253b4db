import { diffConfigs } from './config-diff';

describe('diffConfigs', () => {
  it('lists each changed, added and removed leaf by path, arrays compared whole', () => {
    const before = { training: { epochs: 1, lora: { rank: 8, targetModules: ['q', 'v'] } }, data: { packing: true }, synthesis: { source: 'x' } };
    const after = { training: { epochs: 2, lora: { rank: 8, targetModules: ['q', 'k', 'v'] } }, data: { packing: true }, synthesis: {}, extra: 1 };
    expect(diffConfigs(before, after)).toEqual([
      { path: 'extra', before: undefined, after: 1 },
      { path: 'synthesis.source', before: 'x', after: undefined },
      { path: 'training.epochs', before: 1, after: 2 },
      { path: 'training.lora.targetModules', before: ['q', 'v'], after: ['q', 'k', 'v'] },
    ]);
  });

  it('finds nothing between equal configurations', () => {
    expect(diffConfigs({ a: { b: [1] } }, { a: { b: [1] } })).toEqual([]);
  });
});
