import { loadDefaultConfig } from '@tuneforge/contracts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildJobRequest, readToolsFile } from './job-request';

const defaults = loadDefaultConfig();
const dir = mkdtempSync(join(tmpdir(), 'tf-cli-request-'));
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};
const files = { training: 'file-abc' };
const tool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };

describe('buildJobRequest', () => {
  it('flags alone make the OpenAI request with Tuneforge extensions', () => {
    const task = file('task.md', 'Answer weather questions with the tool.');
    const tools = file('tools.json', [tool]);
    expect(
      buildJobRequest(
        { model: 'tiny-llama', epochs: 2, batchSize: 1, learningRateMultiplier: 10, suffix: 'w', seed: 3, task: `@${task}`, tools, approvalPolicy: 'training_halfway=ask' },
        defaults,
        { training: 'file-abc', validation: 'file-def' },
      ),
    ).toEqual({
      model: 'tiny-llama',
      training_file: 'file-abc',
      validation_file: 'file-def',
      hyperparameters: { n_epochs: 2, batch_size: 1, learning_rate_multiplier: 10 },
      suffix: 'w',
      seed: 3,
      tuneforge: { task_description: 'Answer weather questions with the tool.', tools: [tool], approval_policy: { training_halfway: 'ask' } },
    });
  });

  it('without --model the config\'s model is used; flags win over the config file', () => {
    const config = file('job.json', { model: { base: 'from-config' }, training: { epochs: 4 }, approvals: { trainingHalfway: 'approve', afterEvaluation: 'reject' } });
    expect(buildJobRequest({ config, epochs: 1, approvalPolicy: 'training_halfway=ask' }, defaults, files)).toEqual({
      model: 'from-config',
      training_file: 'file-abc',
      hyperparameters: { n_epochs: 1 },
      tuneforge: { approval_policy: { training_halfway: 'ask', after_evaluation: 'reject' } },
    });
    expect(buildJobRequest({ config, model: 'flag-model' }, defaults, files).model).toBe('flag-model');
  });

  it('a value the job spec refuses is a usage error naming the request field', () => {
    expect(() => buildJobRequest({ epochs: 60 }, defaults, files)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('hyperparameters.n_epochs') }));
    const config = file('lr.json', { training: { learningRate: defaults.training.learningRate * 20 } });
    expect(() => buildJobRequest({ config }, defaults, files)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('hyperparameters.learning_rate_multiplier') }));
  });

  it('--method dpo --beta puts the hyperparameters under method.dpo; a DPO config file does the same', () => {
    expect(buildJobRequest({ method: 'dpo', beta: 0.1, epochs: 2 }, defaults, files)).toEqual({
      model: defaults.model.base,
      training_file: 'file-abc',
      method: { type: 'dpo', dpo: { hyperparameters: { n_epochs: 2, beta: 0.1 } } },
    });
    expect(buildJobRequest({ method: 'supervised', epochs: 2 }, defaults, files).method).toEqual({ type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } });
    const config = file('dpo.json', { training: { objective: 'dpo', dpo: { beta: 0.2, rpoAlpha: 0.5 }, epochs: 4 } });
    expect(buildJobRequest({ config, beta: 0.3 }, defaults, files)).toEqual({
      model: defaults.model.base,
      training_file: 'file-abc',
      method: { type: 'dpo', dpo: { hyperparameters: { n_epochs: 4, beta: 0.3 } } },
      tuneforge: { config: { training: { dpo: { rpoAlpha: 0.5 } } } },
    });
    expect(() => buildJobRequest({ beta: 0.1 }, defaults, files)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('--method dpo') }));
  });

  it('--method reinforcement --grader puts the grader file under method.reinforcement; --grader needs that method', () => {
    const grader = { type: 'string_check', name: 'exact', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' };
    const graderFile = file('grader.json', grader);
    expect(buildJobRequest({ method: 'reinforcement', grader: graderFile, epochs: 2 }, defaults, { training: 'file-abc', validation: 'file-def' })).toEqual({
      model: defaults.model.base,
      training_file: 'file-abc',
      validation_file: 'file-def',
      method: { type: 'reinforcement', reinforcement: { grader, hyperparameters: { n_epochs: 2 } } },
    });
    // The graders API's body shape ({ "grader": ... }) is read too.
    const wrapped = file('wrapped.json', { grader });
    expect(buildJobRequest({ method: 'reinforcement', grader: wrapped }, defaults, files).method).toEqual({ type: 'reinforcement', reinforcement: { grader } });
    expect(() => buildJobRequest({ grader: graderFile }, defaults, files)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('--method reinforcement') }));
    expect(() => buildJobRequest({ method: 'reinforcement' }, defaults, files)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('--grader grader.json') }));
    const badGrader = file('bad-grader.json', { ...grader, operation: 'contains' });
    expect(() => buildJobRequest({ method: 'reinforcement', grader: badGrader }, defaults, files)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('method.reinforcement.grader.operation') }));
  });

  it('a missing --task file is a usage error', () => {
    expect(() => buildJobRequest({ task: `@${join(dir, 'nope.md')}` }, defaults, files)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('ENOENT') }));
  });
});

describe('readToolsFile', () => {
  it('takes an array or { tools: [...] }', () => {
    expect(readToolsFile(file('a.json', [tool]))).toEqual([tool]);
    expect(readToolsFile(file('b.json', { tools: [tool] }))).toEqual([tool]);
  });

  it('names the tool and field that are wrong', () => {
    const bad = file('bad.json', [tool, { type: 'function', function: { name: 'has spaces' } }]);
    expect(() => readToolsFile(bad)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/1\.function\.name: tool names are 1-64/) }));
    expect(() => readToolsFile(file('c.json', '{ nope'))).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('not valid JSON') }));
  });
});
