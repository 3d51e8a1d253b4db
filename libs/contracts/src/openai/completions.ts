import { z } from 'zod';
import { samplingFields } from './chat-completions';

/** How many prompts one `/v1/completions` request may carry (LangChain's OpenAI LLM sends them as a list). */
export const MAX_COMPLETION_PROMPTS = 16;

/**
 * OpenAI's legacy `POST /v1/completions` request: a raw prompt continued as text, what LangChain's classic
 * ReAct agent drives with `stop: ["\nObservation:"]`. Token-id prompts, `suffix` and `best_of` > 1 are refused
 * by name.
 */
export const completionRequestSchema = z.strictObject({
  ...samplingFields,
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(MAX_COMPLETION_PROMPTS)], { error: 'a string or a list of strings (token ids are not served)' }),
  /** OpenAI's default for this endpoint is 16 tokens. */
  max_tokens: z.number().int().min(1).nullable().optional(),
  logprobs: z.number().int().min(0).max(5).nullable().optional(),
  echo: z.boolean().nullable().optional(),
  suffix: z.null({ error: 'suffix is not served' }).optional(),
  best_of: z.literal(1, { error: 'best_of other than 1 is not served' }).nullable().optional(),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

/** OpenAI's default `max_tokens` for text completions. */
export const DEFAULT_COMPLETION_MAX_TOKENS = 16;
