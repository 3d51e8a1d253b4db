import { GraderSampleError } from '../grader-errors';
import type { GraderContext } from '../grader-types';
import { postToGraderEndpoint } from './grader-endpoint';

/**
 * A model grader's chat call: `body` (model, messages, sampling) to the context's `/chat/completions`, and the first
 * choice's text. A refusal fails the sample with the model's words; an endpoint that stays down fails the run
 * (postToGraderEndpoint). score_model and label_model read their answer out of this text.
 */
export async function chatReply(ctx: GraderContext, body: Record<string, unknown>): Promise<string> {
  const answer = (await postToGraderEndpoint(ctx, '/chat/completions', body)) as { choices?: Array<{ message?: { content?: string | null; refusal?: string | null } }> };
  const message = answer.choices?.[0]?.message;
  if (message?.refusal) throw new GraderSampleError(`the grader model refused: ${message.refusal}`);
  return message?.content ?? '';
}
