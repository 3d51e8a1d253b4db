import { jobConfigSchema, type JobConfig } from '../config/job-config.schema';
import { formatZodIssues } from '../zod-issues';

/** A patched configuration that is no longer a valid job configuration; `message` lists each bad field. */
export class JobPatchError extends Error {
  override readonly name = 'JobPatchError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * RFC 7386 JSON merge patch: an object in the patch merges into the target key by key, `null` removes a key,
 * anything else (arrays included) replaces the target value whole. Neither argument is modified.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * Applies a debugger finding's `patch.config` (a JSON merge patch) to a job configuration and validates the
 * result with `jobConfigSchema`, so a suggestion that would produce an invalid job (a misspelt key, an
 * out-of-range value, a batch size that is not a multiple of the micro batch) is refused before a run uses it.
 */
export function applyJobPatch(config: JobConfig, patch: Record<string, unknown>): JobConfig {
  const merged = mergePatch(config, patch);
  const parsed = jobConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw new JobPatchError(`the patched job configuration is not valid (patch ${JSON.stringify(patch)}):\n${formatZodIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}
