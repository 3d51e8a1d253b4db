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
}

/**
 * The create request for a job: `configs/default_config.json` overlaid with `--config`, turned into the
 * request fields the gateway maps back onto the config, then the flags on top (a flag wins over the file).
 * Validated with the contracts' job spec schema, so a wrong value is refused here, naming the field.
 */
export function buildJobRequest(options: JobRequestOptions, defaults: JobConfig, files: { training: string; validation?: string }): JobSpec {
  const fromConfig = options.config ? requestFromConfig(mergeConfigFile(defaults, readConfigFile(options.config), options.config), defaults, options.config) : undefined;
  const hyperparameters = { ...(fromConfig?.hyperparameters ?? {}) };
  if (options.epochs !== undefined) hyperparameters.n_epochs = options.epochs;
  if (options.batchSize !== undefined) hyperparameters.batch_size = options.batchSize;
  if (options.learningRateMultiplier !== undefined) hyperparameters.learning_rate_multiplier = options.learningRateMultiplier;
  const tuneforge = { ...(fromConfig?.tuneforge ?? {}) };
  if (options.task !== undefined) tuneforge.task_description = readTextOrFile(options.task, '--task');
  if (options.tools !== undefined) tuneforge.tools = readToolsFile(options.tools);
  if (options.dataFormat !== undefined) tuneforge.data_format = options.dataFormat;
  if (options.approvalPolicy !== undefined) tuneforge.approval_policy = { ...(tuneforge.approval_policy ?? {}), ...parseApprovalPolicy(options.approvalPolicy) };
  const model = options.model ?? fromConfig?.model ?? defaults.model.base;
  const seed = options.seed ?? fromConfig?.seed;
  const request: Record<string, unknown> = { model, training_file: files.training };
  if (files.validation) request.validation_file = files.validation;
  if (Object.keys(hyperparameters).length > 0) request.hyperparameters = hyperparameters;
  if (options.suffix !== undefined) request.suffix = options.suffix;
  if (seed !== undefined && seed !== null) request.seed = seed;
  if (Object.keys(tuneforge).length > 0) request.tuneforge = tuneforge;
  const parsed = jobSpecSchema.safeParse(request);
  if (!parsed.success) throw new UsageError(`the job request is not valid:\n${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
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
