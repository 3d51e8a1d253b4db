import { z } from 'zod';
import { findingSchema } from '../../evaluation/diagnosis.schema';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

const base = { taskId: keySafeIdSchema, jobId: keySafeIdSchema, iteration: z.number().int().min(1) };

/** The debugger's answer: ranked findings (empty for a healthy run), and an optional LLM explanation. */
export const diagnosisRunCompletedV1 = defineTopic(
  'diagnosis.run.completed.v1',
  z.discriminatedUnion('status', [
    z
      .object({
        ...base,
        status: z.literal('succeeded'),
        findings: z.array(findingSchema).max(50),
        /** Prose from an OpenAI-compatible endpoint when one is configured; the findings never depend on it. */
        explanation: z.string().max(20_000).nullable(),
      })
      .strict(),
    z.object({ ...base, status: z.literal('failed'), error: z.string().min(1).max(4000) }).strict(),
  ]),
  { partitions: 6 },
);
