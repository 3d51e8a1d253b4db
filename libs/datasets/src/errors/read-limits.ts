/**
 * Caps that keep a hostile or accidental upload from exhausting memory or time. Defaults suit a
 * fine-tuning dataset (OpenAI's own upload limit is in the same range); callers may tighten them.
 */
export interface ReadLimits {
  maxFileBytes: number;
  /** A JSONL line, or a whole JSON-array element or CSV record. */
  maxLineBytes: number;
  maxRecords: number;
  /** JSON nesting of arrays and objects; conversations need about 6. */
  maxNestingDepth: number;
  /** Errors kept; reading stops once more than this many have been found. */
  maxErrors: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxFileBytes: 1024 * 1024 * 1024,
  maxLineBytes: 8 * 1024 * 1024,
  maxRecords: 1_000_000,
  maxNestingDepth: 64,
  maxErrors: 100,
};

export function resolveLimits(overrides: Partial<ReadLimits> | undefined): ReadLimits {
  return { ...DEFAULT_READ_LIMITS, ...overrides };
}
