import { loadDefaultConfig } from '../config/default-config';
import type { JobConfig } from '../config/job-config.schema';
import { approvalRuleOf, approvalRuleSpecOf, configFromRequest, JobRequestError, requestFromConfig } from './job-request-mapping';

const defaults = loadDefaultConfig();
const withChanges = (change: (config: JobConfig) => void): JobConfig => {
  const config = structuredClone(defaults);
  change(config);
  return config;
};

describe('the request ↔ config mapping', () => {
  it('a config turned into a request comes back as the same config, whatever it changes', () => {
    const configs = [
      defaults,
      withChanges((c) => {
        c.model.base = 'other-model';
        c.training.epochs = 2;
        c.training.batchSize = 4;
        c.training.learningRate = defaults.training.learningRate * 5;
        c.training.seed = c.data.seed = 9;
        c.data.format = 'openai-chat';
        c.synthesis.samples = 50;
        c.approvals.trainingHalfway = 'ask';
        c.approvals.afterEvaluation = { approveIf: { tool_selection_accuracy: { atLeast: 0.9 } }, otherwise: 'reject' };
        c.approvals.timeoutSeconds = 60;
        c.iterations.max = 1;
        c.evaluation.enabled = true;
      }),
      // DPO travels as method.dpo (beta and the hyperparameters there); RPO's alpha in the patch.
      withChanges((c) => {
        c.training.objective = 'dpo';
        c.training.dpo = { beta: 0.3, rpoAlpha: 0.2 };
        c.training.epochs = 2;
      }),
      withChanges((c) => {
        c.training.objective = 'dpo';
      }),
      // A supervised config's beta has no request field: it travels in the patch.
      withChanges((c) => {
        c.training.dpo = { beta: 0.5, rpoAlpha: 0 };
      }),
      // Fields without a request field of their own travel in the merge patch; so does an odd micro-batch.
      withChanges((c) => {
        c.training.lora.rank = 4;
        c.training.method = 'full';
        c.training.microBatchSize = 1;
        c.data.maxSequenceLength = 256;
      }),
    ];
    for (const config of configs) {
      const { request, problems } = requestFromConfig(config, defaults);
      expect(problems).toEqual([]);
      expect(configFromRequest(defaults, { ...request, training_file: 'file-a' })).toEqual(config);
    }
  });

  it('a DPO config is sent as method.dpo', () => {
    const { request } = requestFromConfig(withChanges((c) => ((c.training.objective = 'dpo'), (c.training.dpo = { beta: 0.3, rpoAlpha: 0 }), (c.training.epochs = 2))), defaults);
    expect(request.method).toEqual({ type: 'dpo', dpo: { hyperparameters: { n_epochs: 2, beta: 0.3 } } });
    expect(request.hyperparameters).toBeUndefined();
  });

  it('what a request cannot carry is named, and an invalid result names the request field', () => {
    expect(requestFromConfig(withChanges((c) => ((c.training.seed = 1), (c.data.seed = 2))), defaults).problems).toEqual([expect.stringContaining('training.seed, data.seed')]);
    const run = () => configFromRequest(defaults, { model: 'm', training_file: 'f', tuneforge: { approval_policy: { timeout_seconds: 0.5 } } });
    expect(run).toThrow(JobRequestError);
    expect(run).toThrow(expect.objectContaining({ param: 'tuneforge.approval_policy.timeout_seconds' }));
  });

  it("writes approval rules in the API's spelling and back", () => {
    expect(approvalRuleSpecOf('ask')).toBe('ask');
    const rule = { approveIf: { loss: { atMost: 1.5 } }, otherwise: 'reject' as const };
    expect(approvalRuleSpecOf(rule)).toEqual({ approve_if: { loss: { at_most: 1.5 } }, otherwise: 'reject' });
    expect(approvalRuleOf(approvalRuleSpecOf(rule))).toEqual({ approveIf: { loss: { atLeast: undefined, atMost: 1.5 } }, otherwise: 'reject' });
  });
});
