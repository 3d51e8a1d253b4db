import type { Conversation, PreferencePair, PromptCompletion } from '../conversation/conversation.schema';
import type { DatasetFormat } from '../conversation/dataset-record';
import type { FieldIssue } from './field-issue';

export type NormalizedRecord =
  | { kind: 'conversation'; conversation: Conversation }
  | { kind: 'preference'; pair: PreferencePair }
  | { kind: 'prompt_completion'; sample: PromptCompletion };

export type NormalizeResult = { ok: true; record: NormalizedRecord } | { ok: false; issues: FieldIssue[] };

/** One input format: how much a parsed value looks like it, and how it maps to the internal form. */
export interface FormatReader {
  format: DatasetFormat;
  /** 0 when the value cannot be this format; higher means a more specific match (used for auto-detection). */
  score(value: unknown): number;
  normalize(value: unknown): NormalizeResult;
}

export function fail(issues: FieldIssue[]): NormalizeResult {
  return { ok: false, issues };
}
