import { fineTunedModelName, isModelName, parseFineTunedModelName } from './model-names';

describe('model names', () => {
  it("names a job's model and checkpoints in OpenAI's shape, and parses them back", () => {
    const name = fineTunedModelName({ base: 'tiny-llama', owner: 'acme', suffix: 'weather bot', jobId: 'ftjob-0abc123xyz98765432' });
    expect(name).toBe('ft:tiny-llama:acme:weather-bot:98765432');
    expect(fineTunedModelName({ base: 'tiny-llama', owner: 'acme', jobId: 'ftjob-0abc123xyz98765432', checkpointStep: 40 })).toBe('ft:tiny-llama:acme::98765432:ckpt-step-40');
    expect(parseFineTunedModelName(name)).toEqual({ base: 'tiny-llama', owner: 'acme', suffix: 'weather-bot', jobShortId: '98765432' });
    expect(parseFineTunedModelName('ft:tiny-llama:acme::98765432:ckpt-step-40')).toMatchObject({ suffix: '', checkpointStep: 40 });
    // A model tuned from a tuned model keeps the root base's name.
    expect(fineTunedModelName({ base: name, owner: 'acme', suffix: 'v2', jobId: 'ftjob-zzzzzzzz11112222' })).toBe('ft:tiny-llama:acme:v2:11112222');
  });

  it('tells names from anything else', () => {
    expect(isModelName('tiny-llama')).toBe(true);
    expect(isModelName('ft:tiny-llama:acme::98765432')).toBe(true);
    for (const other of ['', 'ft:', 'ft:a:b', '../x', 'models/tiny-llama', 'ft:a:b:c:d:ckpt-step-x']) expect(isModelName(other)).toBe(false);
  });
});
