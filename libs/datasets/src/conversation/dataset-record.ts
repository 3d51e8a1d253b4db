import type { Conversation, PreferencePair, PromptCompletion } from './conversation.schema';

/** Every input format this library reads; the name is also what the quality report counts by. */
export const DATASET_FORMATS = [
  'openai_chat',
  'openai_preference',
  'prompt_completion',
  'sharegpt',
  'alpaca',
  'react_transcript',
  'lagent_memory',
  'agentfly_trajectory',
] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** Where a record came from, so every later finding (rule violation, duplicate, leak) can name it. */
export interface SourceLocation {
  file: string;
  /** 1-based line where the record starts (JSONL line, JSON array element line, CSV record line). */
  line: number;
  /** 1-based data row, for CSV only (the header is not a row). */
  row?: number;
}

export type DatasetRecord =
  | { kind: 'conversation'; format: DatasetFormat; location: SourceLocation; conversation: Conversation }
  | { kind: 'preference'; format: DatasetFormat; location: SourceLocation; pair: PreferencePair }
  | { kind: 'prompt_completion'; format: DatasetFormat; location: SourceLocation; sample: PromptCompletion };
