import { PingRegistry, type PingAnswer } from './ping-registry';

const answer = (service: PingAnswer['service'], instanceId = 'i1'): PingAnswer => ({
  service,
  version: '0.1.0',
  instanceId,
  hostname: 'h',
  pid: 1,
  mode: 'embedded',
});

describe('PingRegistry', () => {
  it('returns as soon as every expected service answered, once per instance', async () => {
    const registry = new PingRegistry();
    const answers = await registry.collect('p1', ['datagen', 'trainer'], 60_000, async () => {
      registry.record('p1', answer('datagen'));
      registry.record('p1', answer('datagen'));
      registry.record('other-ping', answer('trainer'));
      registry.record('p1', answer('trainer'));
    });
    expect(answers.map((a) => a.service)).toEqual(['datagen', 'trainer']);
  });

  it('returns what it has when the time is up', async () => {
    const registry = new PingRegistry();
    const answers = await registry.collect('p2', ['datagen', 'trainer'], 20, async () => registry.record('p2', answer('trainer')));
    expect(answers.map((a) => a.service)).toEqual(['trainer']);
  });

  it('ignores answers to pings it is not waiting for', () => {
    expect(() => new PingRegistry().record('unknown', answer('datagen'))).not.toThrow();
  });
});
