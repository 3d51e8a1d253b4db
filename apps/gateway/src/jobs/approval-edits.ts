import { applyJobPatch, DEFAULT_JOB_LIMITS, exceededJobLimit, jobConfigSchema, JobPatchError, type JobConfig, type JobLimits } from '@tuneforge/contracts';
import { InvalidRequestError } from '../errors/gateway-errors';

/**
 * An `edit` answer is a JSON merge patch on the configuration the question is about (the question's
 * `context.config`, else the job's own): one that is missing, or that would make the configuration
 * invalid or beyond the deployment's limits (TF_JOB_LIMITS), is a 400 naming the first bad field as
 * `edits.<path>` — before anything is recorded.
 */
export function checkApprovalEdits(context: Record<string, unknown>, edits: Record<string, unknown> | undefined, jobConfig: JobConfig, limits: JobLimits = DEFAULT_JOB_LIMITS): void {
  if (!edits || Object.keys(edits).length === 0) throw new InvalidRequestError("An 'edit' answer needs 'edits': a JSON merge patch on the job configuration.", 'edits');
  const asked = jobConfigSchema.safeParse(context.config);
  try {
    const exceeded = exceededJobLimit(applyJobPatch(asked.success ? asked.data : jobConfig, edits), limits);
    if (exceeded) throw new InvalidRequestError(`Invalid 'edits': ${exceeded.path}: ${exceeded.message}`, `edits.${exceeded.path}`);
  } catch (error) {
    if (!(error instanceof JobPatchError)) throw error;
    const field = /^\s+([\w.[\]]+):/m.exec(error.message)?.[1];
    throw new InvalidRequestError(`Invalid 'edits': ${error.message}`, field ? `edits.${field}` : 'edits');
  }
}
