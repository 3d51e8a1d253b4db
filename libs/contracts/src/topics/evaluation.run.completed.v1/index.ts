import { z } from 'zod';
import { evaluationSummarySchema } from '../../evaluation/evaluation-summary.schema';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

const base = { taskId: keySafeIdSchema, jobId: keySafeIdSchema, iteration: z.number().int().min(1) };

/** The evaluator's answer: a summary that travels, and the full report (JSON + HTML) as an artifact. */
export const evaluationRunCompletedV1 = defineTopic(
  'evaluation.run.completed.v1',
  z.discriminatedUnion('status', [
    z
      .object({
        ...base,
        status: z.literal('succeeded'),
        summary: evaluationSummarySchema,
        /** Key prefix holding `report.json` and `report.html` (tenant-relative). */
        report: z.string().min(1),
      })
      .strict(),
    z.object({ ...base, status: z.literal('failed'), error: z.string().min(1).max(4000) }).strict(),
  ]),
  { partitions: 6 },
);
