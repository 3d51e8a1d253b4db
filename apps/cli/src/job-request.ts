import { functionToolSchema, formatZodIssues, jobSpecSchema, type FunctionTool, type JobConfig, type JobSpec } from '@tuneforge/contracts';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseApprovalPolicy } from './approval-policy';
import { UsageError } from './cli-error';
import { mergeConfigFile, readConfigFile, requestFromConfig } from './job-config-overlay';

/** The `submit` flags that shape the job request (files are resolved to ids before this). */
export interface JobRequestOptions {
  model?: string;
  config?: string;
  epochs?: number;
  learningRateMultiplier?: number;
  batchSize?: number;
  suffix?: string;
  seed?: number;
  task?: string;
  tools?: string;
  approvalPolicy?: string;
  dataFormat?: string;
  /** OpenAI's `method.type`: `supervised`, `dpo` or `reinforcement` (default: the config file's `training.objective`, else the legacy form). */
  method?: 'supervised' | 'dpo' | 'reinforcement';
  /** DPO's beta (`method.dpo.hyperparameters.beta`); only with `--method dpo` (or a DPO config file). */
  beta?: number;
  /** A JSON file holding the reinforcement grader (`method.reinforcement.grader`); only with `--method reinforcement`. */
  grader?: string;
}

/**
 * The create request for a job: `configs/default_config.json` overlaid with `--config`, turned into the
 * request fields the gateway maps back onto the config, then the flags on top (a flag wins over the file).
 * With `--method` (or a config file whose `training.objective` is `dpo`) the hyperparameters travel under OpenAI's
 * `method.<type>.hyperparameters`, DPO's `--beta` among them, reinforcement's `--grader` file as its grader; otherwise as
 * the legacy top-level `hyperparameters`.
 * Validated with the contracts' job spec schema, so a wrong value is refused here, naming the field.
 */
export function buildJobRequest(options: JobRequestOptions, defaults: JobConfig, files: { training: string; validation?: string }): JobSpec {
  const fromConfig = options.config ? requestFromConfig(mergeConfigFile(defaults, readConfigFile(options.config), options.config), defaults, options.config) : undefined;
  const configMethod = fromConfig?.method?.type === 'dpo' || fromConfig?.method?.type === 'reinforcement' ? fromConfig.method : undefined;
  const methodType = options.method ?? configMethod?.type;
  if (options.beta !== undefined && methodType !== 'dpo') throw new UsageError('--beta is the DPO beta: add --method dpo (or set training.objective "dpo" in the --config file)');
  if (options.grader !== undefined && methodType !== 'reinforcement') throw new UsageError('--grader is the reinforcement grader: add --method reinforcement');
  const configHyperparameters = methodType === 'dpo' ? configMethod?.dpo?.hyperparameters : methodType === 'reinforcement' ? configMethod?.reinforcement?.hyperparameters : undefined;
  const hyperparameters: Record<string, number | string> = { ...(fromConfig?.hyperparameters ?? {}), ...(configHyperparameters ?? {}) };
  if (options.epochs !== undefined) hyperparameters.n_epochs = options.epochs;
  if (options.batchSize !== undefined) hyperparameters.batch_size = options.batchSize;
  if (options.learningRateMultiplier !== undefined) hyperparameters.learning_rate_multiplier = options.learningRateMultiplier;
  if (options.beta !== undefined) hyperparameters.beta = options.beta;
  const tuneforge = { ...(fromConfig?.tuneforge ?? {}) };
  if (options.task !== undefined) tuneforge.task_description = readTextOrFile(options.task, '--task');
  if (options.tools !== undefined) tuneforge.tools = readToolsFile(options.tools);
  if (options.dataFormat !== undefined) tuneforge.data_format = options.dataFormat;
  if (options.approvalPolicy !== undefined) tuneforge.approval_policy = { ...(tuneforge.approval_policy ?? {}), ...parseApprovalPolicy(options.approvalPolicy) };
  const model = options.model ?? fromConfig?.model ?? defaults.model.base;
  const seed = options.seed ?? fromConfig?.seed;
  const request: Record<string, unknown> = { model, training_file: files.training };
  if (files.validation) request.validation_file = files.validation;
  const given = Object.keys(hyperparameters).length > 0 ? { hyperparameters } : {};
  if (methodType === 'reinforcement') {
    const grader = options.grader !== undefined ? readGraderFile(options.grader) : configMethod?.reinforcement?.grader;
    if (grader === undefined) throw new UsageError('--method reinforcement needs --grader grader.json (the grader that scores each sample)');
    request.method = { type: 'reinforcement', reinforcement: { grader, ...given } };
  } else if (methodType) request.method = { type: methodType, [methodType]: given };
  else if (given.hyperparameters) request.hyperparameters = hyperparameters;
  if (options.suffix !== undefined) request.suffix = options.suffix;
  if (seed !== undefined && seed !== null) request.seed = seed;
  if (Object.keys(tuneforge).length > 0) request.tuneforge = tuneforge;
  const parsed = jobSpecSchema.safeParse(request);
  if (!parsed.success) throw new UsageError(`the job request is not valid:\n${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** `--grader grader.json`: the grader object (or `{ "grader": {...} }`, the graders API's body); the gateway validates it. */
function readGraderFile(path: string): unknown {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--grader ${path}: ${code ? `cannot read it (${code})` : `not valid JSON: ${(error as Error).message}`}`);
  }
  const wrapped = typeof raw === 'object' && raw !== null && 'grader' in raw && !('type' in raw);
  return wrapped ? (raw as { grader: unknown }).grader : raw;
}

/** `--task "text"` or `--task @file.md`. */
function readTextOrFile(value: string, flag: string): string {
  if (!value.startsWith('@')) return value;
  try {
    return readFileSync(value.slice(1), 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${value}: cannot read ${value.slice(1)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** A JSON file with OpenAI function tools: an array, or `{ "tools": [...] }`; errors name the tool's index and field. */
export function readToolsFile(path: string): FunctionTool[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--tools ${path}: ${code ? `cannot read it (${code})` : `not valid JSON: ${(error as Error).message}`}`);
  }
  const parsed = (Array.isArray(raw) ? z.array(functionToolSchema) : z.object({ tools: z.array(functionToolSchema) }).strict().transform((file) => file.tools)).safeParse(raw);
  if (!parsed.success) throw new UsageError(`--tools ${path} does not hold OpenAI function tools (an array, or { "tools": [...] }):\n${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}
