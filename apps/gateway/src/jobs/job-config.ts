import { jobConfigSchema, mergePatch, type ApprovalRule, type ApprovalRuleSpec, type JobConfig, type JobSpec } from '@tuneforge/contracts';
import { InvalidRequestError } from '../errors/gateway-errors';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The configuration a job runs with: the defaults (`configs/default_config.json`) overlaid with the request.
 * The whole mapping:
 *
 * | request | config |
 * | --- | --- |
 * | `model` | `model.base` |
 * | `hyperparameters.n_epochs` | `training.epochs` |
 * | `hyperparameters.batch_size` | `training.batchSize` (`microBatchSize` becomes a divisor of it if it is not one) |
 * | `hyperparameters.learning_rate_multiplier` | `training.learningRate` = default × multiplier |
 * | `seed` | `training.seed` and `data.seed` |
 * | `tuneforge.data_format` | `data.format` |
 * | `tuneforge.agent_tokens` | `data.agentTokens` |
 * | `tuneforge.synthesis` | `synthesis.enabled`, `synthesis.samples` |
 * | `tuneforge.approval_policy.*` | `approvals.trainingHalfway`, `afterEvaluation`, `applyDiagnosis`, `timeoutSeconds` (`timeout_seconds`) |
 * | `tuneforge.iteration_budget` | `iterations.max` |
 * | `tuneforge.evaluation.enabled`, `.max_examples` | `evaluation.enabled`, `evaluation.maxExamples` |
 * | `tuneforge.config` | anything: a JSON merge patch on the result, applied last |
 *
 * `auto` keeps the default. A result the config schema refuses is a 400 naming the request field.
 */
export function resolveJobConfig(defaults: JobConfig, spec: JobSpec): JobConfig {
  const hp = spec.hyperparameters ?? {};
  const ext = spec.tuneforge ?? {};
  const training = { ...defaults.training };
  if (typeof hp.n_epochs === 'number') training.epochs = hp.n_epochs;
  if (typeof hp.batch_size === 'number') {
    training.batchSize = hp.batch_size;
    training.microBatchSize = gcd(hp.batch_size, defaults.training.microBatchSize);
  }
  if (typeof hp.learning_rate_multiplier === 'number') training.learningRate = defaults.training.learningRate * hp.learning_rate_multiplier;
  if (typeof spec.seed === 'number') training.seed = spec.seed;
  const data = { ...defaults.data };
  if (typeof spec.seed === 'number') data.seed = spec.seed;
  if (ext.data_format !== undefined) data.format = ext.data_format as JobConfig['data']['format'];
  if (ext.agent_tokens !== undefined) data.agentTokens = ext.agent_tokens;
  const synthesis = { ...defaults.synthesis };
  if (ext.synthesis) {
    synthesis.enabled = ext.synthesis.enabled;
    if (ext.synthesis.samples !== undefined) synthesis.samples = ext.synthesis.samples;
  }
  const policy = ext.approval_policy ?? {};
  const approvals = {
    trainingHalfway: policy.training_halfway ? approvalRuleOf(policy.training_halfway) : defaults.approvals.trainingHalfway,
    afterEvaluation: policy.after_evaluation ? approvalRuleOf(policy.after_evaluation) : defaults.approvals.afterEvaluation,
    applyDiagnosis: policy.apply_diagnosis ? approvalRuleOf(policy.apply_diagnosis) : defaults.approvals.applyDiagnosis,
    timeoutSeconds: policy.timeout_seconds ?? defaults.approvals.timeoutSeconds,
  };
  const evaluation = {
    ...defaults.evaluation,
    ...(ext.evaluation?.enabled !== undefined ? { enabled: ext.evaluation.enabled } : {}),
    ...(ext.evaluation?.max_examples !== undefined ? { maxExamples: ext.evaluation.max_examples } : {}),
  };
  const config = {
    ...defaults,
    evaluation,
    model: { ...defaults.model, base: spec.model },
    data,
    training,
    synthesis,
    approvals,
    iterations: { max: ext.iteration_budget ?? defaults.iterations.max },
  };
  const result = jobConfigSchema.safeParse(ext.config ? mergePatch(config, ext.config) : config);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String).join('.');
  const param = REQUEST_FIELD_OF[path] ?? (ext.config && pathIsIn(ext.config, issue.path) ? `tuneforge.config.${path}` : null);
  throw new InvalidRequestError(`Invalid job configuration${param ? ` from '${param}'` : ''}: ${issue.message}`, param);
}

/** Whether the merge patch sets (a parent of) this config path: then the error is the patch's. */
function pathIsIn(patch: Record<string, unknown>, path: readonly PropertyKey[]): boolean {
  let node: unknown = patch;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return true;
    if (!(String(segment) in node)) return false;
    node = (node as Record<string, unknown>)[String(segment)];
  }
  return true;
}

/** The API's snake_case approval rule as the config's rule (thresholds keep their metric names). */
function approvalRuleOf(spec: ApprovalRuleSpec): ApprovalRule {
  if (typeof spec === 'string') return spec;
  const approveIf = Object.fromEntries(Object.entries(spec.approve_if).map(([metric, t]) => [metric, { atLeast: t.at_least, atMost: t.at_most }]));
  return { approveIf, otherwise: spec.otherwise };
}

/** Which request field a config field came from, for the error's `param`. */
const REQUEST_FIELD_OF: Record<string, string> = {
  'data.format': 'tuneforge.data_format',
  'training.epochs': 'hyperparameters.n_epochs',
  'training.batchSize': 'hyperparameters.batch_size',
  'training.learningRate': 'hyperparameters.learning_rate_multiplier',
  'synthesis.samples': 'tuneforge.synthesis.samples',
  'training.seed': 'seed',
  'data.seed': 'seed',
};
