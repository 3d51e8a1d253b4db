import type { ScoreModelGrader } from '@tuneforge/contracts';
import { GraderSampleError } from '../grader-errors';
import type { GraderImplementation } from '../grader-types';
import { chatReply } from '../model/chat-reply';
import { renderGraderMessages } from '../model/render-messages';

const DEFAULT_RANGE: [number, number] = [0, 1];

/**
 * OpenAI's score_model: the rendered messages go to `/chat/completions` of the context's endpoint (any
 * OpenAI-compatible server, Tuneforge's gateway serving its own models included) with the sampling parameters, and
 * the reply is read as a score: `{"result": x}` (OpenAI's structured output) or `{"score": x}`, else the first number
 * in the text. Because servers without structured outputs cannot be forced into that shape, a last system message
 * states the range and the expected reply. The score is clamped to `range`; a reply with no number fails the sample.
 */
export const runScoreModel: GraderImplementation<ScoreModelGrader> = async (grader, input, ctx) => {
  const [low, high] = (grader.range as [number, number] | undefined) ?? DEFAULT_RANGE;
  const params = grader.sampling_params ?? {};
  const messages = [
    ...renderGraderMessages(grader.input, input),
    { role: 'system' as const, content: `Reply with your score only: a number from ${low} to ${high}, or the JSON object {"result": <score>}.` },
  ];
  const body: Record<string, unknown> = { model: grader.model, messages };
  if (params.temperature != null) body.temperature = params.temperature;
  if (params.top_p != null) body.top_p = params.top_p;
  if (params.seed != null) body.seed = params.seed;
  if (params.max_completions_tokens != null) body.max_tokens = params.max_completions_tokens;
  const content = await chatReply(ctx, body);
  const score = scoreOf(content);
  if (score === undefined) throw new GraderSampleError(`the grader model's reply holds no score: ${JSON.stringify(content.slice(0, 200))}`);
  return { score: Math.min(high, Math.max(low, score)) };
};

/** The score in a grader model's reply: a JSON `result`/`score`, else the first number written. */
export function scoreOf(content: string): number | undefined {
  try {
    const parsed = JSON.parse(content) as unknown;
    if (typeof parsed === 'number' && Number.isFinite(parsed)) return parsed;
    if (parsed && typeof parsed === 'object') {
      const value = (parsed as Record<string, unknown>).result ?? (parsed as Record<string, unknown>).score;
      if (typeof value === 'number' && Number.isFinite(value)) return value;
    }
  } catch {
    // Not JSON: look for a number in the text.
  }
  const match = /-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(content);
  return match ? Number(match[0]) : undefined;
}
