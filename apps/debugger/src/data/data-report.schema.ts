import { z } from 'zod';

/**
 * The parts of datagen's `report.json` (its metadata around libs/datasets' QualityReport) the debugger reads.
 * Unknown keys are ignored, so the report can grow without breaking the debugger; a missing or mistyped key
 * the debugger needs is an error naming it.
 */
export const dataReportFileSchema = z.object({
  recordKind: z.string().min(1),
  counts: z.object({ syntheticRecords: z.number().int().nonnegative(), trainRecords: z.number().int().nonnegative() }),
  report: z.object({
    records: z.number().int().nonnegative(),
    toolBalance: z.object({ tool: z.number().int().nonnegative(), noTool: z.number().int().nonnegative(), toolShare: z.number().min(0).max(1), balanced: z.boolean() }),
    toolUsage: z.record(z.string(), z.number().int().nonnegative()),
    truncation: z
      .object({ samples: z.number().int().nonnegative(), truncated: z.number().int().nonnegative(), dropped: z.number().int().nonnegative(), truncationRate: z.number().min(0).max(1) })
      .optional(),
    tokenLengths: z.object({ max: z.number().nonnegative(), p95: z.number().nonnegative(), mean: z.number().nonnegative() }).optional(),
  }),
});

export type DataReportFile = z.infer<typeof dataReportFileSchema>;
