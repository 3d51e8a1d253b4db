import type { MetricValues } from '@tuneforge/contracts';
import { lastUserText, tokenizePreference, truncatePreference, type ModelTokenizer } from '@tuneforge/datasets';
import { pairLogprobs, type Model, type PairLogprobs } from '@tuneforge/engine';
import { EvaluationInputError } from '../evaluation/evaluation-input-error';
import type { PreferenceRecord } from '../inputs/read-evaluation-set';

/** Beta of TRL's implicit reward when the request names none (a set of pairs evaluated for a job that was not DPO). */
export const DEFAULT_PREFERENCE_BETA = 0.1;

/** Summed log-probs of each pair's chosen and rejected output under one model. */
export type PairScores = PairLogprobs[];

/**
 * Each held-out pair's two outputs scored by `model`: the pair tokenized as preference training tokenizes it
 * (`tokenizePreference`: the model's chat template with the input's tools; fitted into `maxSequenceLength`),
 * then teacher-forced log-probs of each output after the prompt.
 */
export async function scorePairs(model: Model, tokenizer: ModelTokenizer, pairs: readonly PreferenceRecord[], maxSequenceLength: number, field: string): Promise<PairScores> {
  const ids = pairs.map((record) => {
    try {
      const { pair } = truncatePreference(tokenizePreference(tokenizer, record.pair), maxSequenceLength);
      return { prompt: pair.prompt_ids, chosen: pair.chosen_ids, rejected: pair.rejected_ids };
    } catch (error) {
      throw new EvaluationInputError(`${field}: the chat template cannot render ${record.location.file} line ${record.location.line} as a preference pair: ${(error as Error).message.slice(0, 200)}`);
    }
  });
  return ids.length ? pairLogprobs(model, ids) : [];
}

/** One pair's scores as the report shows them. */
export interface PairReport {
  index: number;
  source: { file: string; line: number };
  prompt: string;
  chosen: string;
  rejected: string;
  base: { chosen: number; rejected: number };
  tuned: { chosen: number; rejected: number };
  /** β × ((tuned − base) on chosen − (tuned − base) on rejected): the tuned model's implicit reward margin. */
  rewardMargin: number;
}

export interface PreferenceReport {
  pairs: number;
  beta: number;
  /** What the numbers mean (the report's JSON says it without the HTML). */
  definitions: Record<'preference_accuracy' | 'logprob_margin' | 'reward_accuracy' | 'reward_margin', string>;
  base: MetricValues;
  tuned: MetricValues;
  perPair: PairReport[];
}

const DEFINITIONS: PreferenceReport['definitions'] = {
  preference_accuracy: 'share of pairs whose chosen output has the higher summed log-probability under the model',
  logprob_margin: 'mean over pairs of log p(chosen) − log p(rejected), in nats',
  reward_accuracy: "share of pairs whose chosen implicit reward β·(log p_model − log p_base) is strictly higher than the rejected one's (TRL's rewards/accuracies with the base model as reference; 0 for the base model)",
  reward_margin: "mean over pairs of the chosen minus the rejected implicit reward (TRL's rewards/margins; 0 for the base model)",
};

/** The four preference metrics of base and tuned on the same pairs (`base[i]` and `tuned[i]` score pair i). */
export function preferenceMetrics(base: PairScores, tuned: PairScores, beta: number): { base: MetricValues; tuned: MetricValues; margins: number[] } {
  const n = base.length;
  const margins = base.map((b, i) => beta * (tuned[i].chosen - b.chosen - (tuned[i].rejected - b.rejected)));
  const of = (scores: PairScores, rewardMargins: number[]): MetricValues => ({
    preference_accuracy: scores.filter((s) => s.chosen > s.rejected).length / n,
    logprob_margin: scores.reduce((sum, s) => sum + s.chosen - s.rejected, 0) / n,
    reward_accuracy: rewardMargins.filter((m) => m > 0).length / n,
    reward_margin: rewardMargins.reduce((a, b) => a + b, 0) / n,
  });
  return { base: of(base, base.map(() => 0)), tuned: of(tuned, margins), margins };
}

const excerpt = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

/** An output as the report shows it: its text, then its tool calls. */
function describeOutput(record: PreferenceRecord, side: 'preferred_output' | 'non_preferred_output'): string {
  const message = record.pair[side][0];
  const calls = (message.tool_calls ?? []).map((call) => `${call.function.name}(${call.function.arguments})`);
  return excerpt([message.content ?? '', ...calls].filter(Boolean).join('\n'));
}

/** The report's preference section. */
export function preferenceReport(pairs: readonly PreferenceRecord[], base: PairScores, tuned: PairScores, beta: number): PreferenceReport {
  const metrics = preferenceMetrics(base, tuned, beta);
  return {
    pairs: pairs.length,
    beta,
    definitions: DEFINITIONS,
    base: metrics.base,
    tuned: metrics.tuned,
    perPair: pairs.map((record, index) => ({
      index,
      source: { file: record.location.file, line: record.location.line },
      prompt: excerpt(lastUserText(record.pair.input.messages)),
      chosen: describeOutput(record, 'preferred_output'),
      rejected: describeOutput(record, 'non_preferred_output'),
      base: { chosen: base[index].chosen, rejected: base[index].rejected },
      tuned: { chosen: tuned[index].chosen, rejected: tuned[index].rejected },
      rewardMargin: metrics.margins[index],
    })),
  };
}
