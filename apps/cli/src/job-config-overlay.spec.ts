import { loadDefaultConfig } from '@tuneforge/contracts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deepMerge, mergeConfigFile, readConfigFile, requestFromConfig } from './job-config-overlay';

const defaults = loadDefaultConfig();
const dir = mkdtempSync(join(tmpdir(), 'tf-cli-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const fromOverlay = (overlay: unknown) => requestFromConfig(mergeConfigFile(defaults, overlay, 'job.json'), defaults, 'job.json');

describe('config overlay', () => {
  it('merges objects key by key; arrays and scalars replace', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 1, e: 2 });
  });

  it('an empty overlay sends nothing but the default model', () => {
    expect(fromOverlay({})).toEqual({ model: defaults.model.base });
  });

  it('maps the fields the gateway takes back to request fields, only those that changed', () => {
    const request = fromOverlay({
      model: { base: 'other-model' },
      training: { epochs: 2, batchSize: 4, learningRate: defaults.training.learningRate * 5, seed: 9 },
      data: { seed: 9, format: 'openai-chat', agentTokens: true },
      synthesis: { samples: 50 },
      approvals: { trainingHalfway: 'ask', afterEvaluation: { approveIf: { tool_selection_accuracy: { atLeast: 0.9 } }, otherwise: 'ask' }, timeoutSeconds: 60 },
      iterations: { max: 1 },
    });
    expect(request).toEqual({
      model: 'other-model',
      hyperparameters: { n_epochs: 2, batch_size: 4, learning_rate_multiplier: 5 },
      seed: 9,
      tuneforge: {
        data_format: 'openai-chat',
        agent_tokens: true,
        synthesis: { enabled: defaults.synthesis.enabled, samples: 50 },
        approval_policy: { training_halfway: 'ask', after_evaluation: { approve_if: { tool_selection_accuracy: { at_least: 0.9 } }, otherwise: 'ask' }, timeout_seconds: 60 },
        iteration_budget: 1,
      },
    });
  });

  it('a wrong value is a usage error naming the field and what was expected', () => {
    expect(() => fromOverlay({ training: { epochs: 0 } })).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/job\.json is not a valid job configuration:\n\s+training\.epochs: .*>=1/) }));
    expect(() => fromOverlay({ training: { epoch: 3 } })).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('epoch') }));
  });

  it('a setting without a request field of its own travels in tuneforge.config, not dropped', () => {
    expect(fromOverlay({ training: { lora: { rank: 4 }, method: 'full' }, data: { maxSequenceLength: 256 } })).toMatchObject({
      tuneforge: { config: { training: { lora: { rank: 4 }, method: 'full' }, data: { maxSequenceLength: 256 } } },
    });
    expect(() => fromOverlay({ training: { seed: 1 }, data: { seed: 2 } })).toThrow(expect.objectContaining({ message: expect.stringContaining('training.seed, data.seed') }));
  });

  it('a micro-batch other than the one the gateway derives from the batch size is sent explicitly', () => {
    const derived = fromOverlay({ training: { batchSize: 3, microBatchSize: 1 } });
    expect(derived).toMatchObject({ hyperparameters: { batch_size: 3 } });
    expect(derived.tuneforge?.config).toBeUndefined();
    expect(fromOverlay({ training: { batchSize: 16, microBatchSize: 4 } })).toMatchObject({ hyperparameters: { batch_size: 16 }, tuneforge: { config: { training: { microBatchSize: 4 } } } });
  });

  it('reads JSON files, naming the file and the line of a syntax error', () => {
    expect(readConfigFile(file('ok.json', '{"training": {"epochs": 2}}'))).toEqual({ training: { epochs: 2 } });
    const broken = file('broken.json', '{\n  "training": {\n    "epochs": 2,\n  }\n}');
    expect(() => readConfigFile(broken)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(new RegExp(`${broken}: not valid JSON: .*line 4`)) }));
    expect(() => readConfigFile(file('array.json', '[1]'))).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('expected a JSON object') }));
    expect(() => readConfigFile(join(dir, 'missing.json'))).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('ENOENT') }));
  });
});
