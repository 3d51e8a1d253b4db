import { applyStopStrings } from './agent-model';
import { ScriptedModel } from './scripted-model';

const input = { prompt: 'p' };

describe('applyStopStrings', () => {
  it('cuts at the earliest stop, the first listed on a tie, and ignores empty stops', () => {
    expect(applyStopStrings('a\nObservation: b', ['\nObservation:'])).toEqual({ text: 'a', stop: '\nObservation:' });
    expect(applyStopStrings('abcabc', ['c', 'b'])).toEqual({ text: 'a', stop: 'b' });
    expect(applyStopStrings('abc', ['bc', 'b'])).toEqual({ text: 'a', stop: 'bc' });
    expect(applyStopStrings('abc', ['', 'x'])).toEqual({ text: 'abc' });
  });
});

describe('ScriptedModel', () => {
  it('replays outputs in call order through the stop strings, with … meaning the token budget ran out', async () => {
    const model = new ScriptedModel(['one\nObservation: x', 'two…', 'three']);
    expect(await model.generate(input, { stop: ['\nObservation:'] })).toEqual({ text: 'one', finishReason: 'stop', stop: '\nObservation:' });
    expect(await model.generate(input, {})).toEqual({ text: 'two', finishReason: 'length' });
    expect(await model.generate(input, {})).toEqual({ text: 'three', finishReason: 'eos' });
    await expect(model.generate(input, {})).rejects.toThrow('scripted model: no output left for call 3');
    expect(model.calls).toHaveLength(4);
  });

  it('keeps one cursor per chain for per-chain scripts', async () => {
    const model = new ScriptedModel([['a1', 'a2'], ['b1']]);
    expect((await model.generate(input, { chain: 1 })).text).toBe('b1');
    expect((await model.generate(input, { chain: 0 })).text).toBe('a1');
    expect((await model.generate(input, { chain: 0 })).text).toBe('a2');
    await expect(model.generate(input, { chain: 1 })).rejects.toThrow('(chain 1, turn 2)');
  });
});
