import { loadDefaultConfig } from '../config/default-config';
import { jobConfigSchema } from '../config/job-config.schema';
import { configFromRequest, requestFromConfig, resolvedMethod } from './job-request-mapping';
import { jobSpecSchema } from './job-spec';

const defaults = loadDefaultConfig();
const base = { model: 'tiny-llama', training_file: 'file-a', validation_file: 'file-b' };
const grader = { type: 'string_check', name: 'exact', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' };
const issueOf = (body: Record<string, unknown>) => {
  const result = jobSpecSchema.safeParse({ ...base, ...body });
  return result.success ? undefined : { path: result.error.issues[0].path.join('.'), message: result.error.issues[0].message };
};

describe("OpenAI's method reinforcement", () => {
  it('maps to training.objective reinforcement with the grader and the hyperparameters; the job echoes them', () => {
    const spec = jobSpecSchema.parse({
      ...base,
      method: { type: 'reinforcement', reinforcement: { grader, hyperparameters: { n_epochs: 3, batch_size: 'auto', compute_multiplier: 1.5, eval_interval: 4, eval_samples: 'auto', reasoning_effort: 'high' } } },
    });
    const config = configFromRequest(defaults, spec);
    expect(config.training).toMatchObject({ objective: 'reinforcement', epochs: 3, batchSize: defaults.training.batchSize });
    expect(config.training.reinforcement).toEqual({ grader, computeMultiplier: 1.5, evalInterval: 4, evalSamples: 16, reasoningEffort: 'high' });
    expect(resolvedMethod(config, defaults)).toEqual({
      type: 'reinforcement',
      reinforcement: {
        grader,
        hyperparameters: { n_epochs: 3, batch_size: defaults.training.batchSize, learning_rate_multiplier: 1, compute_multiplier: 1.5, eval_interval: 4, eval_samples: 16, reasoning_effort: 'high' },
      },
    });
  });

  it('a reinforcement config goes back to the same request (the CLI builds requests from config files)', () => {
    const config = configFromRequest(defaults, jobSpecSchema.parse({ ...base, method: { type: 'reinforcement', reinforcement: { grader, hyperparameters: { n_epochs: 2, eval_samples: 8 } } } }));
    const { request, problems } = requestFromConfig(config, defaults);
    expect(problems).toEqual([]);
    expect(request.method).toEqual({ type: 'reinforcement', reinforcement: { grader, hyperparameters: { n_epochs: 2, eval_samples: 8 } } });
    expect(configFromRequest(defaults, jobSpecSchema.parse({ ...base, ...request }))).toEqual(config);
  });

  it('the schema names bad reinforcement fields', () => {
    expect(issueOf({ method: { type: 'reinforcement' } })?.path).toBe('method.reinforcement.grader');
    expect(issueOf({ method: { type: 'reinforcement', reinforcement: { grader: { ...grader, operation: 'regex' } } } })?.path).toBe('method.reinforcement.grader.operation');
    expect(issueOf({ method: { type: 'reinforcement', reinforcement: { grader: { ...grader, type: 'embedding_check' } } } })?.path).toBe('method.reinforcement.grader.type');
    const hp = (hyperparameters: unknown) => issueOf({ method: { type: 'reinforcement', reinforcement: { grader, hyperparameters } } })?.path;
    expect(hp({ compute_multiplier: 0 })).toBe('method.reinforcement.hyperparameters.compute_multiplier');
    expect(hp({ eval_interval: 0 })).toBe('method.reinforcement.hyperparameters.eval_interval');
    expect(hp({ eval_samples: 2.5 })).toBe('method.reinforcement.hyperparameters.eval_samples');
    expect(hp({ reasoning_effort: 'max' })).toBe('method.reinforcement.hyperparameters.reasoning_effort');
    expect(issueOf({ method: { type: 'supervised', reinforcement: { grader } } })?.path).toBe('method.type');
  });

  it('the config refuses objective reinforcement without its section', () => {
    const result = jobConfigSchema.safeParse({ ...defaults, training: { ...defaults.training, objective: 'reinforcement' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path.join('.')).toBe('training.reinforcement');
  });
});
