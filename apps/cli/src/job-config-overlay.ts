import { parseJobConfig, requestFromConfig as requestForConfig, type JobConfig, type RequestForConfig } from '@tuneforge/contracts';
import { readFileSync } from 'node:fs';
import { UsageError } from './cli-error';

/** What a config file can set on a job request: the parts of the spec the gateway maps onto the config. */
export type RequestFromConfig = RequestForConfig['request'];

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

/**
 * The create-request fields that make the gateway arrive at `config` (the one mapping in `@tuneforge/contracts`):
 * a difference the request cannot carry is a usage error naming the config field and saying why.
 */
export function requestFromConfig(config: JobConfig, defaults: JobConfig, source: string): RequestFromConfig {
  const { request, problems } = requestForConfig(config, defaults);
  if (problems.length > 0) throw new UsageError(`${source} cannot be sent as it is:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return request;
}
