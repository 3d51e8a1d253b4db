import { IGNORE_INDEX, tokenizeRecords, type ModelTokenizer } from '@tuneforge/datasets';
import type { Model } from '@tuneforge/engine';
import { corpusPerplexity, type SequenceLoss } from '@tuneforge/metrics';
import type { EvaluationRecord } from '../inputs/read-evaluation-set';

export interface ReferenceLoss {
  /** Token-weighted mean cross-entropy (nats) of the reference assistant tokens, as training's validation loss. */
  validationLoss: number;
  perplexity: number;
  /** Per example (same order as the records; undefined where a record could not be tokenized). */
  perExample: Array<SequenceLoss | undefined>;
  scoredTokens: number;
}

const BATCH = 8;

/**
 * The model's loss on the reference answers: each record tokenized exactly as training tokenizes it (chat
 * template, loss mask on assistant turns, truncation to the job's maximum sequence length), scored with
 * the engine's per-token log-probabilities. Undefined when no record has a token to score.
 */
export async function referenceLoss(model: Model, tokenizer: ModelTokenizer, records: readonly EvaluationRecord[], maxSequenceLength: number): Promise<ReferenceLoss | undefined> {
  const perExample: Array<SequenceLoss | undefined> = records.map(() => undefined);
  const scored = records.flatMap((record, i) => tokenizeRecords(tokenizer, [record], { maxLength: maxSequenceLength }).samples.map((sample) => ({ i, sample })));
  for (let start = 0; start < scored.length; start += BATCH) {
    const batch = scored.slice(start, start + BATCH);
    const logprobs = await model.tokenLogprobs(batch.map(({ sample }) => sample.input_ids));
    batch.forEach(({ i, sample }, j) => {
      let sum = 0;
      let tokens = 0;
      // Position 0 has no context to be predicted from; every later labelled token is scored.
      for (let t = 1; t < sample.labels.length; t++) {
        if (sample.labels[t] === IGNORE_INDEX) continue;
        sum -= logprobs[j][t];
        tokens++;
      }
      perExample[i] = tokens === 0 ? undefined : { meanLoss: sum / tokens, tokens };
    });
  }
  const sequences = perExample.filter((loss): loss is SequenceLoss => loss !== undefined);
  const scoredTokens = sequences.reduce((n, s) => n + s.tokens, 0);
  if (scoredTokens === 0) return undefined;
  const validationLoss = sequences.reduce((sum, s) => sum + s.meanLoss * s.tokens, 0) / scoredTokens;
  return { validationLoss, perplexity: corpusPerplexity(sequences), perExample, scoredTokens };
}
