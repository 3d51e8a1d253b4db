import type { AssistantMessage, Conversation, PreferencePair } from '../conversation/conversation.schema';
import type { DatasetRecord, SourceLocation } from '../conversation/dataset-record';
import { DatasetError } from '../errors/dataset-error';
import { ChatTemplateMismatchError, tokenizeConversation } from './loss-mask';
import type { ModelTokenizer } from './model-tokenizer';

/**
 * A preference pair as DPO trains on it: the shared prompt and each output's tokens after it. The three are
 * cut from the same renderings supervised training uses (`tokenizeConversation`): the input with the output
 * appended, through the model's chat template *with the input's tools*, the output labeled exactly as an
 * assistant turn is labeled for SFT (its text, tool calls and end-of-turn token). `prompt_ids + chosen_ids` is
 * the chosen rendering up to the end of the output's labeled span (likewise rejected).
 */
export interface TokenizedPreference {
  prompt_ids: number[];
  chosen_ids: number[];
  rejected_ids: number[];
}

export interface LocatedPreference extends TokenizedPreference {
  location: SourceLocation;
}

export class PreferenceTokenizeError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path ? `${path}: ` : ''}expected ${expected}`);
    this.name = 'PreferenceTokenizeError';
  }
}

/** The input's turns kept as context only (weight 0), then the output as the one trained turn. */
function continued(pair: PreferencePair, output: AssistantMessage): Conversation {
  const context = pair.input.messages.map((m) => (m.role === 'assistant' ? { ...m, weight: 0 as const } : m));
  // The output is the trained turn whatever weight its line gave it.
  const turn: AssistantMessage = { ...output };
  delete turn.weight;
  return { ...pair.input, messages: [...context, turn] };
}

function side(tokenizer: ModelTokenizer, pair: PreferencePair, key: 'preferred_output' | 'non_preferred_output') {
  const tokenized = tokenizeConversation(tokenizer, continued(pair, pair[key][0]));
  const span = tokenized.spans.at(-1);
  if (!span || span.tokenEnd <= span.tokenStart) throw new PreferenceTokenizeError(key, 'an output the chat template renders to at least one token');
  return { ids: tokenized.input_ids, start: span.tokenStart, end: span.tokenEnd };
}

/**
 * Tokenizes one preference pair with the model's chat template. The prompt is what both renderings share up
 * to where the earlier output starts (the template's generation prompt, normally; shorter only if the tokenizer
 * merges across that boundary differently for the two outputs). Throws `ChatTemplateMismatchError` when the
 * template renders the input differently once an output follows, `PreferenceTokenizeError` when an output
 * renders to nothing, or both outputs render to the same tokens (nothing to prefer).
 */
export function tokenizePreference(tokenizer: ModelTokenizer, pair: PreferencePair): TokenizedPreference {
  const chosen = side(tokenizer, pair, 'preferred_output');
  const rejected = side(tokenizer, pair, 'non_preferred_output');
  let prompt = 0;
  const limit = Math.min(chosen.start, rejected.start);
  while (prompt < limit && chosen.ids[prompt] === rejected.ids[prompt]) prompt++;
  if (prompt === 0) throw new PreferenceTokenizeError('input', 'an input the chat template renders to at least one token shared by both outputs');
  const out = { prompt_ids: chosen.ids.slice(0, prompt), chosen_ids: chosen.ids.slice(prompt, chosen.end), rejected_ids: rejected.ids.slice(prompt, rejected.end) };
  if (out.chosen_ids.length === out.rejected_ids.length && out.chosen_ids.every((t, i) => t === out.rejected_ids[i])) {
    throw new PreferenceTokenizeError('non_preferred_output', 'an output that differs from preferred_output once rendered');
  }
  return out;
}

export interface PreferenceTruncation {
  pairs: number;
  /** Pairs whose prompt lost its first tokens (or whose outputs lost their last) to fit `maxLength`. */
  truncated: number;
  promptTokensCut: number;
  outputTokensCut: number;
}

/**
 * Fits a pair into `maxLength` tokens per sequence (prompt + the longer output), as TRL does by default: the
 * prompt loses its first tokens (the end of the conversation, next to the answer, is kept), keeping at least
 * `minPrompt` of them; what still does not fit is cut from the outputs' ends.
 */
export function truncatePreference(pair: TokenizedPreference, maxLength: number, minPrompt = 1): { pair: TokenizedPreference; promptCut: number; outputCut: number } {
  const longest = Math.max(pair.chosen_ids.length, pair.rejected_ids.length);
  const over = pair.prompt_ids.length + longest - maxLength;
  if (over <= 0) return { pair, promptCut: 0, outputCut: 0 };
  const promptCut = Math.min(over, Math.max(0, pair.prompt_ids.length - minPrompt));
  const prompt_ids = pair.prompt_ids.slice(promptCut);
  const room = maxLength - prompt_ids.length;
  const chosen_ids = pair.chosen_ids.slice(0, room);
  const rejected_ids = pair.rejected_ids.slice(0, room);
  const outputCut = pair.chosen_ids.length - chosen_ids.length + pair.rejected_ids.length - rejected_ids.length;
  return { pair: { prompt_ids, chosen_ids, rejected_ids }, promptCut, outputCut };
}

export interface TokenizedPreferences {
  pairs: LocatedPreference[];
  errors: DatasetError[];
  truncation: PreferenceTruncation;
}

/**
 * Preference training's view of a dataset: every record must be a preference pair (a conversation or
 * prompt/completion sample is an error at its line: DPO has nothing to compare it with), tokenized with
 * `tokenizePreference` and fitted into `maxLength`.
 */
export function tokenizePreferenceRecords(tokenizer: ModelTokenizer, records: readonly DatasetRecord[], options: { maxLength: number }): TokenizedPreferences {
  const pairs: LocatedPreference[] = [];
  const errors: DatasetError[] = [];
  const truncation: PreferenceTruncation = { pairs: 0, truncated: 0, promptTokensCut: 0, outputTokensCut: 0 };
  const fail = (location: SourceLocation, path: string, expected: string, received?: string) =>
    errors.push(new DatasetError({ code: 'invalid_record', file: location.file, line: location.line, row: location.row, path, expected, received }));
  for (const record of records) {
    if (record.kind !== 'preference') {
      fail(record.location, '', 'a preference pair (input, preferred_output, non_preferred_output): DPO trains on OpenAI preference lines', record.kind === 'conversation' ? 'a chat conversation' : 'a prompt/completion sample');
      continue;
    }
    let tokenized: TokenizedPreference;
    try {
      tokenized = tokenizePreference(tokenizer, record.pair);
    } catch (error) {
      if (error instanceof PreferenceTokenizeError) fail(record.location, error.path, error.expected);
      else {
        const detail = error instanceof ChatTemplateMismatchError ? error.message : `the chat template to render it (${(error as Error).message.slice(0, 160)})`;
        fail(record.location, '', 'a preference pair the chat template renders consistently', detail);
      }
      continue;
    }
    const fitted = truncatePreference(tokenized, options.maxLength);
    truncation.pairs++;
    if (fitted.promptCut + fitted.outputCut > 0) {
      truncation.truncated++;
      truncation.promptTokensCut += fitted.promptCut;
      truncation.outputTokensCut += fitted.outputCut;
    }
    pairs.push({ ...fitted.pair, location: record.location });
  }
  return { pairs, errors, truncation };
}
