import { checkPatch, parsePatch } from './patch-validation';

describe('parsePatch', () => {
  it('accepts a non-empty JSON object', () => {
    expect(parsePatch('{"training": {"epochs": 4}}')).toEqual({ ok: true, patch: { training: { epochs: 4 } } });
  });

  it('names the line of a syntax error', () => {
    const result = parsePatch('{\n  "training": {\n    "epochs": 4,\n  }\n}');
    expect(result).toMatchObject({ ok: false, line: 4 });
    expect(result.ok ? '' : result.message).toMatch(/^Not valid JSON \(line 4\)/);
  });

  it('refuses what is not a patch', () => {
    expect(parsePatch('[1, 2]')).toMatchObject({ ok: false, message: expect.stringMatching(/must be a JSON object/) });
    expect(parsePatch('{}')).toMatchObject({ ok: false, message: expect.stringMatching(/empty/) });
    expect(parsePatch('null')).toMatchObject({ ok: false });
  });
});

describe('checkPatch against the configuration the question is about', () => {
  let config: unknown;

  // Loaded the way the app loads the contracts: on demand.
  beforeAll(async () => {
    config = (await import('@tuneforge/contracts')).loadDefaultConfig();
  });

  it('passes a patch that keeps the configuration valid', async () => {
    expect(await checkPatch('{"training": {"epochs": 6, "learningRate": 0.0001}}', config)).toEqual({ ok: true, patch: { training: { epochs: 6, learningRate: 0.0001 } } });
  });

  it('names the field a patch makes invalid, with the job configuration schema the gateway uses', async () => {
    expect(await checkPatch('{"training": {"learningRate": -1}}', config)).toMatchObject({ ok: false, message: expect.stringMatching(/training\.learningRate/) });
    expect(await checkPatch('{"training": {"epoch": 2}}', config)).toMatchObject({ ok: false, message: expect.stringMatching(/epoch/) });
    expect(await checkPatch('{"training": {"microBatchSize": 3}}', config)).toMatchObject({ ok: false, message: expect.stringMatching(/multiple of microBatchSize/) });
  });

  it('checks only the JSON when the question carries no configuration', async () => {
    expect(await checkPatch('{"training": {"learningRate": -1}}', undefined)).toMatchObject({ ok: true });
    expect(await checkPatch('{"oops"', undefined)).toMatchObject({ ok: false });
  });
});
