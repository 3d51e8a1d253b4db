import { DEFAULT_JOB_LIMITS, jobLimitsSchema, loadDefaultConfig } from '@tuneforge/contracts';
import { InvalidRequestError } from '../errors/gateway-errors';
import { resolveJobConfig } from './job-config';

describe('resolveJobConfig', () => {
  const defaults = loadDefaultConfig();

  it('keeps the defaults where the request says nothing or auto', () => {
    const config = resolveJobConfig(defaults, { model: 'tiny-llama', training_file: 'file-a', hyperparameters: { n_epochs: 'auto' } });
    expect(config).toEqual({ ...defaults, model: { ...defaults.model, base: 'tiny-llama' } });
  });

  it('maps hyperparameters, seed and extensions', () => {
    const config = resolveJobConfig(defaults, {
      model: 'm',
      training_file: 'file-a',
      seed: 5,
      hyperparameters: { n_epochs: 2, batch_size: 3, learning_rate_multiplier: 10 },
      tuneforge: { data_format: 'openai-chat', agent_tokens: true, approval_policy: { training_halfway: 'approve' }, iteration_budget: 1, synthesis: { enabled: true, samples: 9 } },
    });
    expect(config.training).toMatchObject({ epochs: 2, batchSize: 3, microBatchSize: 1, learningRate: defaults.training.learningRate * 10, seed: 5 });
    expect(config.data).toMatchObject({ format: 'openai-chat', agentTokens: true, seed: 5 });
    expect(config.approvals.trainingHalfway).toBe('approve');
    expect(config.iterations.max).toBe(1);
    expect(config.synthesis).toMatchObject({ enabled: true, samples: 9 });
  });

  it('names the request field when the result is not a valid configuration', () => {
    const run = () => resolveJobConfig(defaults, { model: 'm', training_file: 'file-a', tuneforge: { data_format: 'nonsense' } });
    expect(run).toThrow(InvalidRequestError);
    expect(run).toThrow(expect.objectContaining({ param: 'tuneforge.data_format' }));
  });

  it('maps threshold approval rules to the config and refuses one without a bound', () => {
    const config = resolveJobConfig(defaults, {
      model: 'm',
      training_file: 'file-a',
      tuneforge: { approval_policy: { after_evaluation: { approve_if: { tool_selection_accuracy: { at_least: 0.9 } }, otherwise: 'ask' } } },
    });
    expect(config.approvals.afterEvaluation).toEqual({ approveIf: { tool_selection_accuracy: { atLeast: 0.9 } }, otherwise: 'ask' });
    const unbounded = () =>
      resolveJobConfig(defaults, { model: 'm', training_file: 'file-a', tuneforge: { approval_policy: { apply_diagnosis: { approve_if: { loss: {} }, otherwise: 'reject' } } } });
    expect(unbounded).toThrow(/atLeast, atMost or both/);
  });

  it('applies tuneforge.config last as a merge patch, and names its field when the result is invalid', () => {
    const config = resolveJobConfig(defaults, { model: 'm', training_file: 'f', hyperparameters: { n_epochs: 2 }, tuneforge: { config: { training: { method: 'full', checkpointEverySteps: 7 }, data: { maxSequenceLength: 256 } } } });
    expect(config.training).toMatchObject({ method: 'full', checkpointEverySteps: 7, epochs: 2 });
    expect(config.data.maxSequenceLength).toBe(256);
    const bad = () => resolveJobConfig(defaults, { model: 'm', training_file: 'f', tuneforge: { config: { training: { checkpointEverySteps: 0 } } } });
    expect(bad).toThrow(expect.objectContaining({ param: 'tuneforge.config.training.checkpointEverySteps' }));
    const unknown = () => resolveJobConfig(defaults, { model: 'm', training_file: 'f', tuneforge: { config: { trainng: {} } } });
    expect(unknown).toThrow(InvalidRequestError);
  });

  it('refuses what the deployment does not allow, naming the request field: limits of TF_JOB_LIMITS over defaults', () => {
    const refusal = (spec: Parameters<typeof resolveJobConfig>[1], limits = DEFAULT_JOB_LIMITS) => {
      try {
        resolveJobConfig(defaults, spec, limits);
      } catch (error) {
        return { param: (error as InvalidRequestError).param, message: (error as Error).message };
      }
      return undefined;
    };
    const base = { model: 'm', training_file: 'file-a' };
    expect(refusal({ ...base, hyperparameters: { batch_size: 100_000 } })).toEqual({ param: 'hyperparameters.batch_size', message: expect.stringMatching(/100000 is over this deployment's limit of 256/) });
    expect(refusal({ ...base, tuneforge: { synthesis: { enabled: true, samples: 1_000_000 } } })?.param).toBe('tuneforge.synthesis.samples');
    expect(refusal({ ...base, tuneforge: { config: { evaluation: { maxNewTokens: 32_768 } } } })?.param).toBe('tuneforge.config.evaluation.maxNewTokens');
    // An operator's own limits: checkpoints at least 50 steps apart, smaller batches.
    const strict = jobLimitsSchema.parse({ minCheckpointEverySteps: 50, maxBatchSize: 4 });
    expect(refusal({ ...base, hyperparameters: { batch_size: 4 }, tuneforge: { config: { training: { checkpointEverySteps: 1 } } } }, strict)).toEqual({ param: 'tuneforge.config.training.checkpointEverySteps', message: expect.stringMatching(/1 is under this deployment's limit of 50/) });
    expect(refusal({ ...base, hyperparameters: { batch_size: 8 }, tuneforge: { config: { training: { checkpointEverySteps: 100 } } } }, strict)?.param).toBe('hyperparameters.batch_size');
    expect(refusal({ ...base, hyperparameters: { batch_size: 4 }, tuneforge: { config: { training: { checkpointEverySteps: 100 } } } }, strict)).toBeUndefined();
  });
});
