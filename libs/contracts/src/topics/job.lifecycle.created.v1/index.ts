import { z } from 'zod';
import { jobConfigSchema } from '../../config/job-config.schema';
import { jobSpecSchema } from '../../job/job-spec';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

const tenantKeySchema = z.string().min(1).max(1024);

/**
 * The gateway accepted `POST /v1/fine_tuning/jobs`: the validated request, the configuration the job runs
 * with (`configs/default_config.json` overlaid with the request) and the tenant-relative keys it resolved.
 * The orchestrator starts the job's workflow (thread id = job id); a second delivery starts nothing.
 */
export const jobLifecycleCreatedV1 = defineTopic(
  'job.lifecycle.created.v1',
  z
    .object({
      jobId: keySafeIdSchema,
      spec: jobSpecSchema,
      config: jobConfigSchema,
      files: z
        .object({
          training: tenantKeySchema,
          validation: tenantKeySchema.optional(),
          /** The evaluation set (`tuneforge.evaluation_file`); absent: the prepared validation split. */
          evaluation: tenantKeySchema.optional(),
          /** Knowledge documents to index for retrieval (`tuneforge.retrieval_documents`). */
          documents: z.array(tenantKeySchema).max(1000).optional(),
        })
        .strict(),
      /** Prefix of the registered base model artifact. */
      model: tenantKeySchema,
    })
    .strict(),
  { partitions: 6 },
);
