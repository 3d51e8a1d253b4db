import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatZodIssues } from '../zod-issues';
import { jobConfigSchema, type JobConfig } from './job-config.schema';

/** `configs/default_config.json` at the workspace root: the defaults every job starts from. */
export const DEFAULT_CONFIG_PATH = join(__dirname, '..', '..', '..', '..', 'configs', 'default_config.json');

export function parseJobConfig(raw: unknown, source: string): JobConfig {
  const result = jobConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(`${source} is not a valid job configuration:\n${formatZodIssues(result.error.issues)}`);
  }
  return result.data;
}

export function loadDefaultConfig(path: string = DEFAULT_CONFIG_PATH): JobConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read default configuration ${path}: ${(error as Error).message}`);
  }
  return parseJobConfig(raw, path);
}
