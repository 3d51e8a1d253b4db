import type { ApprovalRule } from '../config/approval-rule.schema';
import {
  DEFAULT_DPO_CONFIG,
  DEFAULT_REINFORCEMENT_SETTINGS,
  jobConfigSchema,
  type DpoConfig,
  type JobConfig,
  type ReinforcementConfig,
  type TrainingObjective,
} from '../config/job-config.schema';
import type { Grader } from '../graders/grader.schema';
import { mergePatch } from '../evaluation/apply-job-patch';
import type { ApprovalRuleSpec, JobSpec, MethodSpec } from './job-spec';

/**
 * The one mapping between an OpenAI-style create request and the job configuration
 * (`configs/default_config.json` shape). The gateway goes request → config; the CLI goes config file → request.
 * The whole table:
 *
 * | request | config |
 * | --- | --- |
 * | `model` | `model.base` |
 * | `method.type` (`supervised` / `dpo` / `reinforcement`) | `training.objective` (`sft` / `dpo` / `reinforcement`) |
 * | `hyperparameters.n_epochs` or `method.<type>.hyperparameters.n_epochs` | `training.epochs` |
 * | `hyperparameters.batch_size` or `method.<type>.hyperparameters.batch_size` | `training.batchSize` (`microBatchSize` becomes a divisor of it if it is not one; DPO: pairs per step) |
 * | `hyperparameters.learning_rate_multiplier` or `method.<type>.…` | `training.learningRate` = default × multiplier |
 * | `method.dpo.hyperparameters.beta` | `training.dpo.beta` |
 * | `method.reinforcement.grader` | `training.reinforcement.grader` |
 * | `method.reinforcement.hyperparameters.compute_multiplier`, `eval_interval`, `eval_samples`, `reasoning_effort` | `training.reinforcement.computeMultiplier`, `evalInterval`, `evalSamples`, `reasoningEffort` |
 * | `seed` | `training.seed` and `data.seed` |
 * | `tuneforge.data_format` | `data.format` |
 * | `tuneforge.agent_tokens` | `data.agentTokens` |
 * | `tuneforge.synthesis` | `synthesis.enabled`, `synthesis.samples` |
 * | `tuneforge.approval_policy.*` | `approvals.trainingHalfway`, `afterEvaluation`, `applyDiagnosis`, `timeoutSeconds` |
 * | `tuneforge.iteration_budget` | `iterations.max` |
 * | `tuneforge.evaluation.enabled`, `.max_examples` | `evaluation.enabled`, `evaluation.maxExamples` |
 * | `tuneforge.config` | anything (e.g. `training.dpo.rpoAlpha`): a JSON merge patch on the result, applied last |
 *
 * `auto` (or an absent field) keeps the default. `method: { type, <type>: { hyperparameters } }` is the legacy
 * top-level `hyperparameters` under OpenAI's newer name, for every method alike: both may be given, a
 * field given a number in both must agree (else `JobRequestError` naming the method's field; a number beats
 * `"auto"`). A `tuneforge.config` patch may not set `training.objective` against `method.type`. The job object echoes the method resolved from the config
 * (`resolvedMethod`).
 */
export const REQUEST_FIELD_OF_CONFIG: Readonly<Record<string, string>> = {
  'model.base': 'model',
  'training.objective': 'method.type',
  'training.dpo.beta': 'method.dpo.hyperparameters.beta',
  'training.reinforcement.grader': 'method.reinforcement.grader',
  'training.reinforcement.computeMultiplier': 'method.reinforcement.hyperparameters.compute_multiplier',
  'training.reinforcement.evalInterval': 'method.reinforcement.hyperparameters.eval_interval',
  'training.reinforcement.evalSamples': 'method.reinforcement.hyperparameters.eval_samples',
  'training.reinforcement.reasoningEffort': 'method.reinforcement.hyperparameters.reasoning_effort',
  'training.epochs': 'hyperparameters.n_epochs',
  'training.batchSize': 'hyperparameters.batch_size',
  'training.microBatchSize': 'hyperparameters.batch_size',
  'training.learningRate': 'hyperparameters.learning_rate_multiplier',
  'training.seed': 'seed',
  'data.seed': 'seed',
  'data.format': 'tuneforge.data_format',
  'data.agentTokens': 'tuneforge.agent_tokens',
  'synthesis.enabled': 'tuneforge.synthesis.enabled',
  'synthesis.samples': 'tuneforge.synthesis.samples',
  'approvals.trainingHalfway': 'tuneforge.approval_policy.training_halfway',
  'approvals.afterEvaluation': 'tuneforge.approval_policy.after_evaluation',
  'approvals.applyDiagnosis': 'tuneforge.approval_policy.apply_diagnosis',
  'approvals.timeoutSeconds': 'tuneforge.approval_policy.timeout_seconds',
  'iterations.max': 'tuneforge.iteration_budget',
  'evaluation.enabled': 'tuneforge.evaluation.enabled',
  'evaluation.maxExamples': 'tuneforge.evaluation.max_examples',
};

/** A request whose resulting configuration is invalid; `param` names the request field it came from, when known. */
export class JobRequestError extends Error {
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
    this.name = 'JobRequestError';
  }
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The micro-batch the mapping derives for a requested batch size: the default one, or the largest divisor of both. */
export const derivedMicroBatch = (batchSize: number, defaults: JobConfig) => gcd(batchSize, defaults.training.microBatchSize);

type Hyperparameters = NonNullable<JobSpec['hyperparameters']> & { beta?: number | 'auto' };
const HYPERPARAMETER_KEYS = ['n_epochs', 'batch_size', 'learning_rate_multiplier'] as const;

/** The config's training objective of each method type. */
export const OBJECTIVE_OF_METHOD = { supervised: 'sft', dpo: 'dpo', reinforcement: 'reinforcement' } as const satisfies Record<MethodSpec['type'], TrainingObjective>;

/**
 * The hyperparameters a request asks for: the legacy top-level `hyperparameters` and
 * `method.<type>.hyperparameters` together (DPO's `beta` too; reinforcement's own ones are read by
 * `reinforcementConfigOf`). Throws `JobRequestError` for a field given two different numbers (naming the method's field).
 */
export function requestedHyperparameters(spec: Pick<JobSpec, 'hyperparameters' | 'method'>): Hyperparameters {
  const legacy = spec.hyperparameters ?? {};
  const method = spec.method;
  if (!method) return { ...legacy };
  const type = method.type;
  const given: Hyperparameters = method[type]?.hyperparameters ?? {};
  const merged: Hyperparameters = { ...legacy };
  for (const key of HYPERPARAMETER_KEYS) {
    const a = legacy[key];
    const b = given[key];
    if (b === undefined) continue;
    if (a !== undefined && a !== 'auto' && b !== 'auto' && a !== b) {
      throw new JobRequestError(
        `method.${type}.hyperparameters.${key} (${b}) contradicts hyperparameters.${key} (${a}): give it once, preferably under method.`,
        `method.${type}.hyperparameters.${key}`,
      );
    }
    if (a === undefined || a === 'auto') (merged as Record<string, unknown>)[key] = b;
  }
  if (given.beta !== undefined) merged.beta = given.beta;
  return merged;
}

/** OpenAI's `method` object as the job object echoes it: what the job's configuration trains with, as numbers. */
export type ResolvedMethod =
  | { type: 'supervised'; supervised: { hyperparameters: { n_epochs: number; batch_size: number; learning_rate_multiplier: number } } }
  | { type: 'dpo'; dpo: { hyperparameters: { n_epochs: number; batch_size: number; learning_rate_multiplier: number; beta: number } } }
  | { type: 'reinforcement'; reinforcement: { grader: Grader; hyperparameters: ResolvedReinforcementHyperparameters } };

/** Reinforcement's hyperparameters as the job object echoes them: numbers, and the effort as given. */
export interface ResolvedReinforcementHyperparameters {
  n_epochs: number;
  batch_size: number;
  learning_rate_multiplier: number;
  compute_multiplier: number;
  eval_interval: number;
  eval_samples: number;
  reasoning_effort: ReinforcementConfig['reasoningEffort'];
}

/** The method a job runs with, read from its config: epochs, batch size, learning rate ÷ the default one (and DPO's beta). */
export function resolvedMethod(config: JobConfig, defaults: JobConfig): ResolvedMethod {
  const multiplier = Number((config.training.learningRate / defaults.training.learningRate).toPrecision(12));
  const hyperparameters = { n_epochs: config.training.epochs, batch_size: config.training.batchSize, learning_rate_multiplier: multiplier };
  if (config.training.objective === 'dpo') return { type: 'dpo', dpo: { hyperparameters: { ...hyperparameters, beta: dpoConfigOf(config.training).beta } } };
  const reinforcement = config.training.objective === 'reinforcement' ? config.training.reinforcement : undefined;
  if (reinforcement) {
    const { grader, computeMultiplier, evalInterval, evalSamples, reasoningEffort } = reinforcement;
    return {
      type: 'reinforcement',
      reinforcement: {
        grader,
        hyperparameters: { ...hyperparameters, compute_multiplier: computeMultiplier, eval_interval: evalInterval, eval_samples: evalSamples, reasoning_effort: reasoningEffort },
      },
    };
  }
  return { type: 'supervised', supervised: { hyperparameters } };
}

/** `training.reinforcement` from a request's `method.reinforcement`: its grader, and each hyperparameter given as a number (else the default). */
export function reinforcementConfigOf(method: NonNullable<NonNullable<JobSpec['method']>['reinforcement']>): ReinforcementConfig {
  const hp = method.hyperparameters ?? {};
  const pick = <T>(value: T | 'auto' | undefined, fallback: T): T => (value === undefined || value === 'auto' ? fallback : value);
  const defaults = DEFAULT_REINFORCEMENT_SETTINGS;
  return {
    grader: method.grader,
    computeMultiplier: pick(hp.compute_multiplier, defaults.computeMultiplier),
    evalInterval: pick(hp.eval_interval, defaults.evalInterval),
    evalSamples: pick(hp.eval_samples, defaults.evalSamples),
    reasoningEffort: hp.reasoning_effort ?? defaults.reasoningEffort,
  };
}

/** The DPO settings a training section runs with (the defaults when it has none). */
export function dpoConfigOf(training: Pick<JobConfig['training'], 'dpo'>): DpoConfig {
  return training.dpo ?? DEFAULT_DPO_CONFIG;
}

/** The configuration a job runs with: the defaults overlaid with the request. A result the schema refuses throws `JobRequestError`. */
export function configFromRequest(defaults: JobConfig, spec: JobSpec): JobConfig {
  const hp = requestedHyperparameters(spec);
  const ext = spec.tuneforge ?? {};
  const training = { ...defaults.training };
  if (typeof hp.n_epochs === 'number') training.epochs = hp.n_epochs;
  if (typeof hp.batch_size === 'number') {
    training.batchSize = hp.batch_size;
    training.microBatchSize = derivedMicroBatch(hp.batch_size, defaults);
  }
  if (typeof hp.learning_rate_multiplier === 'number') training.learningRate = defaults.training.learningRate * hp.learning_rate_multiplier;
  if (typeof spec.seed === 'number') training.seed = spec.seed;
  if (spec.method) training.objective = OBJECTIVE_OF_METHOD[spec.method.type];
  if (typeof hp.beta === 'number') training.dpo = { ...dpoConfigOf(defaults.training), beta: hp.beta };
  if (spec.method?.type === 'reinforcement' && spec.method.reinforcement) training.reinforcement = reinforcementConfigOf(spec.method.reinforcement);
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
  if (result.success) {
    const objective = result.data.training.objective ?? 'sft';
    if (spec.method && objective !== training.objective) {
      throw new JobRequestError(`tuneforge.config sets training.objective '${objective}' but method.type is '${spec.method.type}': give the method once, as method.type.`, 'tuneforge.config.training.objective');
    }
    return result.data;
  }
  const issue = result.error.issues[0];
  const path = issue.path.map(String).join('.');
  let param = REQUEST_FIELD_OF_CONFIG[path] ?? (ext.config && pathIsIn(ext.config, issue.path) ? `tuneforge.config.${path}` : null);
  // A hyperparameter given only under `method` is named there.
  const key = param?.startsWith('hyperparameters.') ? (param.slice('hyperparameters.'.length) as (typeof HYPERPARAMETER_KEYS)[number]) : undefined;
  const methodType = spec.method?.type;
  if (key && methodType && spec.hyperparameters?.[key] === undefined && spec.method?.[methodType]?.hyperparameters?.[key] !== undefined) param = `method.${methodType}.${param}`;
  throw new JobRequestError(`Invalid job configuration${param ? ` from '${param}'` : ''}: ${issue.message}`, param);
}

/** Whether the merge patch sets (a parent of) this config path: then the error is the patch's. */
function pathIsIn(patch: Record<string, unknown>, path: readonly PropertyKey[]): boolean {
  let node: unknown = patch;
  for (const segment of path) {
    if (!isObject(node)) return true;
    if (!(String(segment) in node)) return false;
    node = node[String(segment)];
  }
  return true;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function leaves(value: unknown, prefix = ''): Array<[string, unknown]> {
  if (!isObject(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, inner]) => leaves(inner, prefix ? `${prefix}.${key}` : key));
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What a create request carries to arrive at a config, and what of the config it cannot carry (each named). */
export interface RequestForConfig {
  request: Pick<JobSpec, 'model' | 'hyperparameters' | 'method' | 'seed' | 'tuneforge'>;
  problems: string[];
}

/**
 * The create-request fields that make `configFromRequest` arrive at `config`: only fields that differ from the
 * defaults are sent (the rest stay `auto`/unset); a changed field the table does not map travels in
 * `tuneforge.config`, the merge patch applied last.
 */
export function requestFromConfig(config: JobConfig, defaults: JobConfig): RequestForConfig {
  const defaultLeaves = new Map(leaves(defaults));
  const configLeaves = new Map(leaves(config));
  const changedPaths = [
    ...[...configLeaves].filter(([path, value]) => !sameValue(value, defaultLeaves.get(path))).map(([path]) => path),
    ...[...defaultLeaves.keys()].filter((path) => !configLeaves.has(path)),
  ];
  const under = (path: string, field: string) => path === field || path.startsWith(`${field}.`);
  const changed = (field: string) => changedPaths.some((path) => under(path, field));
  const problems: string[] = [];
  const configPatch: Record<string, unknown> = {};
  for (const path of changedPaths) {
    if (Object.keys(REQUEST_FIELD_OF_CONFIG).some((field) => under(path, field))) continue;
    setLeaf(configPatch, path, configLeaves.has(path) ? configLeaves.get(path) : null);
  }
  const request: RequestForConfig['request'] = { model: config.model.base };
  const hyperparameters: NonNullable<JobSpec['hyperparameters']> = {};
  if (changed('training.epochs')) hyperparameters.n_epochs = config.training.epochs;
  if (changed('training.batchSize')) hyperparameters.batch_size = config.training.batchSize;
  // Another micro-batch than the one the mapping derives from the batch size is set explicitly, in the patch.
  const derived = changed('training.batchSize') ? derivedMicroBatch(config.training.batchSize, defaults) : defaults.training.microBatchSize;
  if (config.training.microBatchSize !== derived) setLeaf(configPatch, 'training.microBatchSize', config.training.microBatchSize);
  if (changed('training.learningRate')) hyperparameters.learning_rate_multiplier = config.training.learningRate / defaults.training.learningRate;
  if (config.training.objective === 'dpo') {
    // A DPO job says so with OpenAI's method object; its hyperparameters travel there (beta among them).
    const dpo: NonNullable<NonNullable<JobSpec['method']>['dpo']>['hyperparameters'] = { ...hyperparameters };
    if (changed('training.dpo.beta')) dpo.beta = dpoConfigOf(config.training).beta;
    request.method = { type: 'dpo', dpo: Object.keys(dpo).length > 0 ? { hyperparameters: dpo } : {} };
  } else if (config.training.objective === 'reinforcement' && config.training.reinforcement) {
    // A reinforcement job says so with OpenAI's method object: the grader and every hyperparameter travel there.
    request.method = { type: 'reinforcement', reinforcement: reinforcementRequestOf(config.training.reinforcement, hyperparameters) };
  } else {
    if (Object.keys(hyperparameters).length > 0) request.hyperparameters = hyperparameters;
    // Only a DPO request has a beta field: a supervised config keeps its (unused) beta in the patch.
    if (changed('training.dpo.beta')) setLeaf(configPatch, 'training.dpo.beta', dpoConfigOf(config.training).beta);
  }
  if (changed('training.seed') || changed('data.seed')) {
    if (config.training.seed !== config.data.seed) problems.push(`training.seed, data.seed: the gateway sets both from one seed; they must be equal (${config.training.seed} ≠ ${config.data.seed})`);
    else request.seed = config.training.seed;
  }
  const tuneforge: NonNullable<JobSpec['tuneforge']> = {};
  if (changed('data.format')) tuneforge.data_format = config.data.format;
  if (changed('data.agentTokens')) tuneforge.agent_tokens = config.data.agentTokens;
  if (changed('synthesis.enabled') || changed('synthesis.samples')) {
    tuneforge.synthesis = { enabled: config.synthesis.enabled, ...(changed('synthesis.samples') ? { samples: config.synthesis.samples } : {}) };
  }
  const policy: NonNullable<NonNullable<JobSpec['tuneforge']>['approval_policy']> = {};
  if (changed('approvals.trainingHalfway')) policy.training_halfway = approvalRuleSpecOf(config.approvals.trainingHalfway);
  if (changed('approvals.afterEvaluation')) policy.after_evaluation = approvalRuleSpecOf(config.approvals.afterEvaluation);
  if (changed('approvals.applyDiagnosis')) policy.apply_diagnosis = approvalRuleSpecOf(config.approvals.applyDiagnosis);
  if (changed('approvals.timeoutSeconds')) policy.timeout_seconds = config.approvals.timeoutSeconds;
  if (Object.keys(policy).length > 0) tuneforge.approval_policy = policy;
  if (changed('iterations.max')) tuneforge.iteration_budget = config.iterations.max;
  const evaluation = evaluationRequestOf(config, changed);
  if (evaluation) (tuneforge as Record<string, unknown>).evaluation = evaluation;
  if (Object.keys(configPatch).length > 0) tuneforge.config = configPatch;
  if (Object.keys(tuneforge).length > 0) request.tuneforge = tuneforge;
  return { request, problems };
}

/** `method.reinforcement` for a config's reinforcement section: settings left at their defaults are not sent. */
function reinforcementRequestOf(settings: ReinforcementConfig, hyperparameters: NonNullable<JobSpec['hyperparameters']>): NonNullable<NonNullable<JobSpec['method']>['reinforcement']> {
  const defaults = DEFAULT_REINFORCEMENT_SETTINGS;
  const hp: NonNullable<NonNullable<NonNullable<JobSpec['method']>['reinforcement']>['hyperparameters']> = { ...hyperparameters };
  if (settings.computeMultiplier !== defaults.computeMultiplier) hp.compute_multiplier = settings.computeMultiplier;
  if (settings.evalInterval !== defaults.evalInterval) hp.eval_interval = settings.evalInterval;
  if (settings.evalSamples !== defaults.evalSamples) hp.eval_samples = settings.evalSamples;
  if (settings.reasoningEffort !== defaults.reasoningEffort) hp.reasoning_effort = settings.reasoningEffort;
  return { grader: settings.grader, ...(Object.keys(hp).length > 0 ? { hyperparameters: hp } : {}) };
}

/** Sets `a.b.c` in a merge patch, creating the objects on the way. */
function setLeaf(patch: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = patch;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/** The API's snake_case approval rule as the config's rule (thresholds keep their metric names). */
export function approvalRuleOf(spec: ApprovalRuleSpec): ApprovalRule {
  if (typeof spec === 'string') return spec;
  const approveIf = Object.fromEntries(Object.entries(spec.approve_if).map(([metric, t]) => [metric, { atLeast: t.at_least, atMost: t.at_most }]));
  return { approveIf, otherwise: spec.otherwise };
}

/** The config's rule in the API's snake_case (`approveIf`/`atLeast` → `approve_if`/`at_least`). */
export function approvalRuleSpecOf(rule: ApprovalRule): ApprovalRuleSpec {
  if (typeof rule === 'string') return rule;
  const approve_if = Object.fromEntries(
    Object.entries(rule.approveIf).map(([metric, t]) => [metric, { ...(t.atLeast !== undefined ? { at_least: t.atLeast } : {}), ...(t.atMost !== undefined ? { at_most: t.atMost } : {}) }]),
  );
  return { approve_if, otherwise: rule.otherwise };
}

/**
 * `tuneforge.evaluation` for a config whose evaluation switch or example cap changed. Read loosely: the
 * config schema decides which of these fields exist at all, and refuses them before this runs if not.
 */
function evaluationRequestOf(config: JobConfig, changed: (field: string) => boolean): Record<string, unknown> | undefined {
  const evaluation = (config as { evaluation?: { enabled?: unknown; maxExamples?: unknown } }).evaluation ?? {};
  const request: Record<string, unknown> = {};
  if (changed('evaluation.enabled')) request.enabled = evaluation.enabled;
  if (changed('evaluation.maxExamples')) request.max_examples = evaluation.maxExamples;
  return Object.keys(request).length > 0 ? request : undefined;
}
