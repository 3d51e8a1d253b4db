import { loadDefaultConfig } from '../config/default-config';
import { configFromRequest, JobRequestError, requestedHyperparameters, resolvedMethod } from './job-request-mapping';
import { jobSpecSchema, type JobSpec } from './job-spec';

const defaults = loadDefaultConfig();
const base = { model: 'tiny-llama', training_file: 'file-a' };
const spec = (extra: Record<string, unknown>): JobSpec => jobSpecSchema.parse({ ...base, ...extra });
const refusal = (run: () => unknown): { param: string | null; message: string } => {
  try {
    run();
  } catch (error) {
    if (error instanceof JobRequestError) return { param: error.param, message: error.message };
    throw error;
  }
  throw new Error('expected a JobRequestError');
};
const issuePath = (body: Record<string, unknown>) => {
  const result = jobSpecSchema.safeParse({ ...base, ...body });
  return result.success ? undefined : { path: result.error.issues[0].path.join('.'), message: result.error.issues[0].message };
};

describe("OpenAI's method object", () => {
  it('supervised hyperparameters map exactly like the legacy top-level ones', () => {
    const hp = { n_epochs: 2, batch_size: 4, learning_rate_multiplier: 3 };
    const viaMethod = configFromRequest(defaults, spec({ method: { type: 'supervised', supervised: { hyperparameters: hp } } }));
    expect(viaMethod).toEqual(configFromRequest(defaults, spec({ hyperparameters: hp })));
    expect(viaMethod.training.epochs).toBe(2);
    expect(configFromRequest(defaults, spec({ method: { type: 'supervised' } }))).toEqual(configFromRequest(defaults, spec({})));
  });

  it('both given: agreeing values and "auto" are fine, contradicting numbers are refused naming the method field', () => {
    expect(requestedHyperparameters(spec({ hyperparameters: { n_epochs: 2 }, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: 'auto' } } } }))).toEqual({ n_epochs: 2, batch_size: 'auto' });
    expect(requestedHyperparameters(spec({ hyperparameters: { n_epochs: 'auto' }, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 3 } } } }))).toEqual({ n_epochs: 3 });
    const conflict = refusal(() => configFromRequest(defaults, spec({ hyperparameters: { n_epochs: 2 }, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 3 } } } })));
    expect(conflict.param).toBe('method.supervised.hyperparameters.n_epochs');
    expect(conflict.message).toContain('hyperparameters.n_epochs (2)');
  });

  it('dpo sets the objective, beta and the shared hyperparameters; the job echoes them resolved', () => {
    const config = configFromRequest(defaults, spec({ method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.25, n_epochs: 2, batch_size: 'auto', learning_rate_multiplier: 0.5 } } } }));
    expect(config.training).toMatchObject({ objective: 'dpo', dpo: { beta: 0.25, rpoAlpha: 0 }, epochs: 2, batchSize: defaults.training.batchSize });
    expect(config.training.learningRate).toBeCloseTo(defaults.training.learningRate * 0.5);
    expect(resolvedMethod(config, defaults)).toEqual({ type: 'dpo', dpo: { hyperparameters: { n_epochs: 2, batch_size: defaults.training.batchSize, learning_rate_multiplier: 0.5, beta: 0.25 } } });
    // "auto" (or nothing) keeps the default beta; RPO's alpha comes through the config patch.
    const auto = configFromRequest(defaults, spec({ method: { type: 'dpo', dpo: { hyperparameters: { beta: 'auto' } } }, tuneforge: { config: { training: { dpo: { rpoAlpha: 0.5 } } } } }));
    expect(auto.training.dpo).toEqual({ beta: defaults.training.dpo!.beta, rpoAlpha: 0.5 });
    expect(configFromRequest(defaults, spec({ method: { type: 'supervised' } })).training.objective).toBe('sft');
    expect(configFromRequest(defaults, spec({})).training.objective).toBe('sft');
  });

  it('dpo hyperparameters meet the legacy ones as supervised ones do; a patch may not contradict method.type', () => {
    const conflict = refusal(() => configFromRequest(defaults, spec({ hyperparameters: { n_epochs: 2 }, method: { type: 'dpo', dpo: { hyperparameters: { n_epochs: 3 } } } })));
    expect(conflict.param).toBe('method.dpo.hyperparameters.n_epochs');
    const patched = refusal(() => configFromRequest(defaults, spec({ method: { type: 'dpo' }, tuneforge: { config: { training: { objective: 'sft' } } } })));
    expect(patched.param).toBe('tuneforge.config.training.objective');
    const badEpochs = refusal(() => configFromRequest(defaults, { ...spec({}), method: { type: 'dpo', dpo: { hyperparameters: { n_epochs: 0 } } } } as JobSpec));
    expect(badEpochs.param).toBe('method.dpo.hyperparameters.n_epochs');
  });

  it('the schema names bad method fields: beta ≤ 0, a sub-object of another type, unknown fields', () => {
    expect(issuePath({ method: { type: 'dpo', dpo: { hyperparameters: { beta: 0 } } } })?.path).toBe('method.dpo.hyperparameters.beta');
    expect(issuePath({ method: { type: 'dpo', dpo: { hyperparameters: { beta: -1 } } } })?.path).toBe('method.dpo.hyperparameters.beta');
    expect(issuePath({ method: { type: 'dpo', supervised: { hyperparameters: { n_epochs: 1 } } } })?.path).toBe('method.type');
    expect(issuePath({ method: { type: 'supervised', dpo: { hyperparameters: { beta: 0.1 } } } })?.path).toBe('method.type');
    expect(issuePath({ method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 'many' } } } })?.path).toBe('method.supervised.hyperparameters.n_epochs');
    expect(issuePath({ method: { type: 'sft' } })?.path).toBe('method.type');
  });

  it('a config error from a method hyperparameter names the method field', () => {
    const tiny = { ...defaults, training: { ...defaults.training } };
    const error = refusal(() => configFromRequest(tiny, { ...spec({}), method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 0 } } } } as JobSpec));
    expect(error.param).toBe('method.supervised.hyperparameters.n_epochs');
  });

  it('the resolved method carries the numbers the config decided', () => {
    const config = configFromRequest(defaults, spec({ method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, learning_rate_multiplier: 10 } } } }));
    expect(resolvedMethod(config, defaults)).toEqual({
      type: 'supervised',
      supervised: { hyperparameters: { n_epochs: 2, batch_size: defaults.training.batchSize, learning_rate_multiplier: 10 } },
    });
  });
});

describe('integrations', () => {
  it('a W&B integration is refused naming integrations and pointing to the OpenTelemetry route', () => {
    const issue = issuePath({ integrations: [{ type: 'wandb', wandb: { project: 'p' } }] });
    expect(issue?.path).toBe('integrations');
    expect(issue?.message).toMatch(/OpenTelemetry.*docs\/deploy\.md/);
    expect(issuePath({ integrations: [] })).toBeUndefined();
    expect(issuePath({ integrations: null })).toBeUndefined();
  });
});
