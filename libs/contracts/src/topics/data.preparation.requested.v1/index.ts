import { z } from 'zod';
import { jobConfigSchema } from '../../config/job-config.schema';
import { defineTopic } from '../../topic';

/** Ids that become artifact key segments: no `/`, no `.` or `..`, nothing a store would refuse. */
export const keySafeIdSchema = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$/, '1-128 letters, digits, _ or -, starting with a letter or digit');

/** A key in the tenant's own artifact store (tenant-relative: the tenant comes from the envelope). */
const tenantKeySchema = z.string().min(1).max(1024);

const toolDefinitionSchema = z
  .object({
    type: z.literal('function'),
    function: z
      .object({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool names are 1-64 letters, digits, _ or -'),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
        strict: z.boolean().optional(),
      })
      .strict(),
  })
  .strict();

/**
 * The orchestrator asks datagen to turn a job's uploaded files into a prepared dataset: validate,
 * normalize, synthesize when asked, split, report. The envelope's correlation id is the job id and its
 * tenant owns the files; the answer is `data.preparation.completed.v1` with the same task id.
 */
export const dataPreparationRequestedV1 = defineTopic(
  'data.preparation.requested.v1',
  z
    .object({
      /** Identifies this preparation task; a task re-sent after a crash keeps it, and so finds its own artifacts. */
      taskId: keySafeIdSchema,
      jobId: keySafeIdSchema,
      files: z.object({ training: tenantKeySchema, validation: tenantKeySchema.optional() }).strict(),
      data: jobConfigSchema.shape.data,
      synthesis: jobConfigSchema.shape.synthesis,
      tools: z.array(toolDefinitionSchema).max(128).default([]),
      taskDescription: z.string().max(20_000).optional(),
    })
    .strict(),
  { partitions: 6 },
);
