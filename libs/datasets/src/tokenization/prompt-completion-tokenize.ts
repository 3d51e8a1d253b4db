import type { PromptCompletion } from '../conversation/conversation.schema';
import type { ModelTokenizer } from './model-tokenizer';
import { IGNORE_INDEX, type TokenizedSample } from './tokenized-sample';

export interface PromptCompletionTokenizeOptions {
  /** Append the end-of-sequence token to the completion so a base model learns where to stop. Default true. */
  appendEos?: boolean;
}

/**
 * Raw completion mode for base models and the ReAct prompt/completion format: no chat template; the
 * prompt gets the tokenizer's own special tokens (a BOS where the model uses one) and is not trained;
 * the completion is tokenized on its own so its first token is the same as at inference, where generation
 * starts exactly at the prompt's end, and it is trained in full.
 */
export function tokenizePromptCompletion(tokenizer: ModelTokenizer, sample: PromptCompletion, options: PromptCompletionTokenizeOptions = {}): TokenizedSample {
  const prompt = tokenizer.encode(sample.prompt, true);
  const completion = tokenizer.encode(sample.completion);
  const eos = tokenizer.eosTokenId;
  if ((options.appendEos ?? true) && eos !== undefined) completion.push(eos);
  return {
    input_ids: [...prompt, ...completion],
    labels: [...prompt.map(() => IGNORE_INDEX), ...completion],
  };
}
