import type { Attributes } from '@opentelemetry/api';

/** The span attribute that finds every span of a fine-tuning job in a trace store (`tuneforge.job_id=ftjob-…`). */
export const JOB_ID_ATTRIBUTE = 'tuneforge.job_id';

/**
 * The job a message belongs to, as span attributes. Every job topic names its job in `payload.jobId`
 * (the correlation id is not always the job: a ping has its own); other messages get none.
 */
export function jobSpanAttributes(payload: unknown): Attributes {
  const jobId = typeof payload === 'object' && payload !== null ? (payload as { jobId?: unknown }).jobId : undefined;
  return typeof jobId === 'string' && jobId.length > 0 ? { [JOB_ID_ATTRIBUTE]: jobId } : {};
}
