import { buildJobRequest, EMPTY_JOB_FORM, fieldOfParam, JobFormError, parseExtensions } from './job-request';

describe('buildJobRequest', () => {
  it('maps the form to OpenAI fields and Tuneforge options, leaving empty numbers to auto', () => {
    const request = buildJobRequest({ ...EMPTY_JOB_FORM, model: 'tiny-llama', epochs: '2', halfwayApproval: 'ask', suffix: ' demo ' }, { training: 'file-a', evaluation: 'file-e' });
    expect(request).toEqual({
      model: 'tiny-llama',
      training_file: 'file-a',
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } },
      suffix: 'demo',
      tuneforge: { evaluation_file: 'file-e', approval_policy: { training_halfway: 'ask' }, evaluation: { enabled: true } },
    });
  });

  it('merges the JSON options under tuneforge, the form fields winning for what they set', () => {
    const request = buildJobRequest(
      { ...EMPTY_JOB_FORM, model: 'm', method: 'dpo', beta: '0.2', evaluationEnabled: false, extensions: '{"iteration_budget": 2, "approval_policy": {"apply_diagnosis": "ask", "training_halfway": "reject"}, "evaluation": {"max_examples": 5}}' },
      { training: 't', validation: 'v' },
    );
    expect(request).toMatchObject({
      validation_file: 'v',
      method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.2 } } },
      tuneforge: { iteration_budget: 2, approval_policy: { apply_diagnosis: 'ask', training_halfway: 'approve' }, evaluation: { max_examples: 5, enabled: false } },
    });
  });

  it('names the field it cannot read', () => {
    expect(() => buildJobRequest(EMPTY_JOB_FORM, { training: 't' })).toThrow(expect.objectContaining({ field: 'model' }));
    expect(() => buildJobRequest({ ...EMPTY_JOB_FORM, model: 'm', epochs: '1.5' }, { training: 't' })).toThrow(expect.objectContaining({ field: 'epochs' }));
    expect(() => buildJobRequest({ ...EMPTY_JOB_FORM, model: 'm', learningRateMultiplier: 'fast' }, { training: 't' })).toThrow(expect.objectContaining({ field: 'learningRateMultiplier' }));
    expect(() => parseExtensions('{"a": }')).toThrow(JobFormError);
    expect(() => parseExtensions('[1]')).toThrow(/must be a JSON object/);
  });
});

describe('fieldOfParam', () => {
  it.each([
    ['model', 'model'],
    ['training_file', 'trainingFile'],
    ['validation_file', 'validationFile'],
    ['tuneforge.evaluation_file', 'evaluationFile'],
    ['hyperparameters.n_epochs', 'epochs'],
    ['method.supervised.hyperparameters.batch_size', 'batchSize'],
    ['method.dpo.hyperparameters.beta', 'beta'],
    ['method.dpo.hyperparameters.learning_rate_multiplier', 'learningRateMultiplier'],
    ['suffix', 'suffix'],
    ['tuneforge.tools[0].function.parameters', 'extensions'],
    ['integrations', null],
    [null, null],
  ])('%s → %s', (param, field) => {
    expect(fieldOfParam(param)).toBe(field);
  });
});
