import type { InferenceConfig } from '../config/inference-config';
import { InvalidRequestError } from '../errors/inference-errors';

/** The server's caps on `n` and on the requested token budget, checked before any model is loaded. */
export function checkCaps(config: InferenceConfig, n: number, maxTokens: { value: number | null | undefined; param: string }): void {
  if (n > config.TF_INFERENCE_MAX_N) throw new InvalidRequestError(`n is ${n}; this server generates at most ${config.TF_INFERENCE_MAX_N} choices per request.`, 'n');
  if (maxTokens.value !== null && maxTokens.value !== undefined && maxTokens.value > config.TF_INFERENCE_MAX_TOKENS) {
    throw new InvalidRequestError(`${maxTokens.param} is ${maxTokens.value}; this server generates at most ${config.TF_INFERENCE_MAX_TOKENS} tokens per choice.`, maxTokens.param);
  }
}

/**
 * The tokens a choice may generate: what the request asked for, or else all the room the model's context leaves
 * (within the server's cap). A prompt that leaves no room, or a request for more than the room, is OpenAI's
 * `context_length_exceeded`, naming the field that holds the prompt.
 */
export function tokenBudget(promptTokens: number, requested: number | null | undefined, maxContext: number, cap: number, promptParam: string): number {
  const room = maxContext - promptTokens;
  if (room < 1 || (requested !== null && requested !== undefined && requested > room)) {
    const asked = requested ?? 1;
    throw new InvalidRequestError(
      `This model's maximum context length is ${maxContext} tokens. However, you requested ${promptTokens + asked} tokens (${promptTokens} in the prompt, ${asked} for the completion). Please reduce the prompt or the completion length.`,
      promptParam,
      'context_length_exceeded',
    );
  }
  return requested ?? Math.min(room, cap);
}

export function stopStrings(stop: string | string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return typeof stop === 'string' ? [stop] : stop;
}
