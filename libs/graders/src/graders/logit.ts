import type { LogitGrader } from '@tuneforge/contracts';
import { GraderSampleError } from '../grader-errors';
import type { GraderImplementation } from '../grader-types';
import { postToGraderEndpoint } from '../model/grader-endpoint';
import { renderGraderMessages } from '../model/render-messages';

/** The most alternatives OpenAI's API returns per position. */
const TOP_LOGPROBS = 20;

type TopLogprob = { token?: string; logprob?: number };

/**
 * Tuneforge's logit grader, after weave-agent's logit evaluators: the rendered messages ask the model a yes/no
 * question, it generates one token greedily with the 20 most likely alternatives, and the score is
 * P(yes) / (P(yes) + P(no)), each the summed probability of the alternatives that read as yes (no) once trimmed and
 * lowercased. Reading probabilities rather than the sampled word gives a graded reward (0.8 is "probably"), which is
 * what a policy gradient needs. Neither word among the alternatives fails the sample.
 */
export const runLogitGrader: GraderImplementation<LogitGrader> = async (grader, input, ctx) => {
  const yes = new Set((grader.yes_tokens ?? ['yes']).map((token) => token.trim().toLowerCase()));
  const no = new Set((grader.no_tokens ?? ['no']).map((token) => token.trim().toLowerCase()));
  const body = { model: grader.model, messages: renderGraderMessages(grader.input, input), max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: TOP_LOGPROBS };
  const answer = (await postToGraderEndpoint(ctx, '/chat/completions', body)) as { choices?: Array<{ logprobs?: { content?: Array<{ top_logprobs?: TopLogprob[] }> | null } | null }> };
  const alternatives = answer.choices?.[0]?.logprobs?.content?.[0]?.top_logprobs;
  if (!alternatives?.length) throw new GraderSampleError(`the model ${grader.model} returned no log-probabilities (the endpoint must support logprobs and top_logprobs)`);
  let pYes = 0;
  let pNo = 0;
  for (const { token, logprob } of alternatives) {
    if (typeof token !== 'string' || typeof logprob !== 'number') continue;
    const word = token.trim().toLowerCase();
    if (yes.has(word)) pYes += Math.exp(logprob);
    else if (no.has(word)) pNo += Math.exp(logprob);
  }
  if (pYes + pNo === 0) throw new GraderSampleError(`neither a yes nor a no token is among the model's ${alternatives.length} most likely first tokens`);
  return { score: pYes / (pYes + pNo), subScores: { p_yes: pYes, p_no: pNo } };
};
