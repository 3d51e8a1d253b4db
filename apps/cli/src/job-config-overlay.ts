import { parseJobConfig, type ApprovalRule, type ApprovalRuleSpec, type JobConfig, type JobSpec } from '@tuneforge/contracts';
import { readFileSync } from 'node:fs';
import { UsageError } from './cli-error';

/** What a config file can set on a job request: the parts of the spec the gateway maps onto the config. */
export type RequestFromConfig = Pick<JobSpec, 'model' | 'hyperparameters' | 'seed' | 'tuneforge'>;

/**
 * The config fields the gateway takes from a create request (see apps/gateway/src/jobs/job-config.ts) and the
 * request field each one travels in. Any other changed field travels in `tuneforge.config`, the merge patch
 * the gateway applies last.
 */
export const REQUEST_FIELD_OF_CONFIG: Readonly<Record<string, string>> = {
  'model.base': 'model',
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

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Objects merge key by key; anything else in the overlay (arrays included) replaces the base value. */
export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (!isObject(base) || !isObject(overlay)) return overlay;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) merged[key] = key in base ? deepMerge(base[key], value) : value;
  return merged;
}

/** Reads a JSON config file; unreadable or non-JSON files are usage errors naming the file. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--config ${path}: not valid JSON: ${lineOfJsonError(text, error as Error)}`);
  }
  if (!isObject(value)) throw new UsageError(`--config ${path}: expected a JSON object shaped like configs/default_config.json`);
  return value;
}

/** `JSON.parse` names a character position; a line and column are easier to find. */
function lineOfJsonError(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message)?.[1];
  if (position === undefined) return error.message;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return `${error.message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`;
}

/** The defaults overlaid with the file, validated with the contracts' job config schema (errors name the field). */
export function mergeConfigFile(defaults: JobConfig, overlay: unknown, source: string): JobConfig {
  try {
    return parseJobConfig(deepMerge(defaults, overlay), source);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function leaves(value: unknown, prefix = ''): Array<[string, unknown]> {
  if (!isObject(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, inner]) => leaves(inner, prefix ? `${prefix}.${key}` : key));
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The create-request fields that make the gateway arrive at `config`: only fields that differ from the
 * defaults are sent (the rest stay `auto`/unset). A difference the request cannot carry is a usage error
 * naming the config field and saying why.
 */
export function requestFromConfig(config: JobConfig, defaults: JobConfig, source: string): RequestFromConfig {
  const defaultLeaves = new Map(leaves(defaults));
  const configLeaves = new Map(leaves(config));
  const changedPaths = [
    ...[...configLeaves].filter(([path, value]) => !sameValue(value, defaultLeaves.get(path))).map(([path]) => path),
    ...[...defaultLeaves.keys()].filter((path) => !configLeaves.has(path)),
  ];
  const under = (path: string, field: string) => path === field || path.startsWith(`${field}.`);
  const changedUnder = (field: string) => changedPaths.some((path) => under(path, field));
  const changed = { has: changedUnder };
  const problems: string[] = [];
  const configPatch: Record<string, unknown> = {};
  for (const path of changedPaths) {
    if (Object.keys(REQUEST_FIELD_OF_CONFIG).some((field) => under(path, field))) continue;
    setLeaf(configPatch, path, configLeaves.has(path) ? configLeaves.get(path) : null);
  }
  const request: RequestFromConfig = { model: config.model.base };
  const hyperparameters: NonNullable<JobSpec['hyperparameters']> = {};
  if (changed.has('training.epochs')) hyperparameters.n_epochs = config.training.epochs;
  if (changed.has('training.batchSize')) hyperparameters.batch_size = config.training.batchSize;
  // The gateway derives the micro-batch from the batch size; another micro-batch cannot be asked for.
  const derivedMicroBatch = changed.has('training.batchSize') ? gcd(config.training.batchSize, defaults.training.microBatchSize) : defaults.training.microBatchSize;
  // Another micro-batch than the one derived is set explicitly, after the mapping.
  if (config.training.microBatchSize !== derivedMicroBatch) setLeaf(configPatch, 'training.microBatchSize', config.training.microBatchSize);
  if (changed.has('training.learningRate')) hyperparameters.learning_rate_multiplier = config.training.learningRate / defaults.training.learningRate;
  if (Object.keys(hyperparameters).length > 0) request.hyperparameters = hyperparameters;
  if (changed.has('training.seed') || changed.has('data.seed')) {
    if (config.training.seed !== config.data.seed) problems.push(`training.seed, data.seed: the gateway sets both from one seed; they must be equal (${config.training.seed} ≠ ${config.data.seed})`);
    else request.seed = config.training.seed;
  }
  const tuneforge: NonNullable<JobSpec['tuneforge']> = {};
  if (changed.has('data.format')) tuneforge.data_format = config.data.format;
  if (changed.has('data.agentTokens')) tuneforge.agent_tokens = config.data.agentTokens;
  if (changed.has('synthesis.enabled') || changed.has('synthesis.samples')) {
    tuneforge.synthesis = { enabled: config.synthesis.enabled, ...(changed.has('synthesis.samples') ? { samples: config.synthesis.samples } : {}) };
  }
  const policy: NonNullable<NonNullable<JobSpec['tuneforge']>['approval_policy']> = {};
  if (changedUnder('approvals.trainingHalfway')) policy.training_halfway = approvalRuleSpecOf(config.approvals.trainingHalfway);
  if (changedUnder('approvals.afterEvaluation')) policy.after_evaluation = approvalRuleSpecOf(config.approvals.afterEvaluation);
  if (changedUnder('approvals.applyDiagnosis')) policy.apply_diagnosis = approvalRuleSpecOf(config.approvals.applyDiagnosis);
  if (changed.has('approvals.timeoutSeconds')) policy.timeout_seconds = config.approvals.timeoutSeconds;
  if (Object.keys(policy).length > 0) tuneforge.approval_policy = policy;
  if (changed.has('iterations.max')) tuneforge.iteration_budget = config.iterations.max;
  const evaluation = evaluationRequestOf(config, changedUnder);
  if (evaluation) (tuneforge as Record<string, unknown>).evaluation = evaluation;
  if (Object.keys(configPatch).length > 0) tuneforge.config = configPatch;
  if (Object.keys(tuneforge).length > 0) request.tuneforge = tuneforge;
  if (problems.length > 0) throw new UsageError(`${source} cannot be sent as it is:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return request;
}

/** Sets `a.b.c` in a merge patch, creating the objects on the way. */
function setLeaf(patch: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = patch;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
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
function evaluationRequestOf(config: JobConfig, changedUnder: (field: string) => boolean): Record<string, unknown> | undefined {
  const evaluation = (config as { evaluation?: { enabled?: unknown; maxExamples?: unknown } }).evaluation ?? {};
  const request: Record<string, unknown> = {};
  if (changedUnder('evaluation.enabled')) request.enabled = evaluation.enabled;
  if (changedUnder('evaluation.maxExamples')) request.max_examples = evaluation.maxExamples;
  return Object.keys(request).length > 0 ? request : undefined;
}
