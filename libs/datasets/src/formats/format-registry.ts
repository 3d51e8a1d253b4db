import type { DatasetFormat } from '../conversation/dataset-record';
import { agentFlyFormat } from './agentfly.format';
import { alpacaFormat } from './alpaca.format';
import type { FormatReader } from './format-reader';
import { lagentFormat } from './lagent.format';
import { openAIChatFormat } from './openai-chat.format';
import { openAIPreferenceFormat } from './openai-preference.format';
import { promptCompletionFormat } from './prompt-completion.format';
import { reactTranscriptFormat } from './react-transcript.format';
import { shareGPTFormat } from './sharegpt.format';

export const FORMAT_READERS: Record<DatasetFormat, FormatReader> = {
  openai_chat: openAIChatFormat,
  openai_preference: openAIPreferenceFormat,
  prompt_completion: promptCompletionFormat,
  sharegpt: shareGPTFormat,
  alpaca: alpacaFormat,
  react_transcript: reactTranscriptFormat,
  lagent_memory: lagentFormat,
  agentfly_trajectory: agentFlyFormat,
};

/**
 * Picks the format that best explains the first records: each record votes with its best-scoring format,
 * ties going to the higher total score. Looking at several records keeps one odd first line from
 * deciding the whole file. Returns undefined when no format fits any of them.
 */
export function detectFormat(values: unknown[]): DatasetFormat | undefined {
  const votes = new Map<DatasetFormat, { count: number; score: number }>();
  for (const value of values) {
    let best: { format: DatasetFormat; score: number } | undefined;
    for (const reader of Object.values(FORMAT_READERS)) {
      const score = reader.score(value);
      if (score > 0 && (!best || score > best.score)) best = { format: reader.format, score };
    }
    if (!best) continue;
    const entry = votes.get(best.format) ?? { count: 0, score: 0 };
    entry.count++;
    entry.score += best.score;
    votes.set(best.format, entry);
  }
  let winner: DatasetFormat | undefined;
  let top = { count: 0, score: 0 };
  for (const [format, entry] of votes) {
    if (entry.count > top.count || (entry.count === top.count && entry.score > top.score)) {
      winner = format;
      top = entry;
    }
  }
  return winner;
}
