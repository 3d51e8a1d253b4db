import type { DatasetRecord, SourceLocation } from '../conversation/dataset-record';
import { DatasetError } from '../errors/dataset-error';
import { ChatTemplateMismatchError, tokenizeConversation } from './loss-mask';
import type { ModelTokenizer } from './model-tokenizer';
import { truncateSamples, type TruncationReport } from './packing';
import { tokenizePromptCompletion } from './prompt-completion-tokenize';
import { countLabeled, type TokenizedSample } from './tokenized-sample';

export interface TokenizeRecordsOptions {
  maxLength: number;
  truncationSide?: 'right' | 'left';
}

export interface LocatedSample extends TokenizedSample {
  location: SourceLocation;
}

export interface TokenizedRecords {
  samples: LocatedSample[];
  /** Length of every tokenized record before truncation, for the quality report's histogram. */
  tokenLengths: number[];
  truncation: TruncationReport;
  /** Records that could not be tokenized, with their line: a template that cannot render them, nothing to train. */
  errors: DatasetError[];
  /** Preference pairs are left to preference training, which tokenizes both outputs against one prompt. */
  skippedPreferencePairs: number;
}

/**
 * Supervised fine-tuning samples from normalized records: conversations through the model's chat template
 * with loss masks, prompt/completion samples in raw completion mode; then truncation to `maxLength`.
 */
export function tokenizeRecords(tokenizer: ModelTokenizer, records: DatasetRecord[], options: TokenizeRecordsOptions): TokenizedRecords {
  const tokenized: LocatedSample[] = [];
  const errors: DatasetError[] = [];
  let skippedPreferencePairs = 0;
  const fail = (location: SourceLocation, expected: string, received?: string) =>
    errors.push(new DatasetError({ code: 'invalid_record', file: location.file, line: location.line, row: location.row, path: '', expected, received }));

  for (const record of records) {
    if (record.kind === 'preference') {
      skippedPreferencePairs++;
      continue;
    }
    let sample: TokenizedSample;
    try {
      sample = record.kind === 'conversation' ? tokenizeConversation(tokenizer, record.conversation) : tokenizePromptCompletion(tokenizer, record.sample);
    } catch (error) {
      const detail = error instanceof ChatTemplateMismatchError ? error.message : `the chat template to render it (${(error as Error).message.slice(0, 160)})`;
      fail(record.location, 'a conversation the chat template renders consistently', detail);
      continue;
    }
    if (countLabeled(sample.labels) === 0) {
      fail(record.location, 'at least one token to train on');
      continue;
    }
    tokenized.push({ input_ids: sample.input_ids, labels: sample.labels, location: record.location });
  }
  const tokenLengths = tokenized.map((s) => s.input_ids.length);
  const { samples, report } = truncateSamples(tokenized, { maxLength: options.maxLength, side: options.truncationSide });
  return { samples, tokenLengths, truncation: report, errors, skippedPreferencePairs };
}
