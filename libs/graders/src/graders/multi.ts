import type { Grader, MultiGrader } from '@tuneforge/contracts';
import { GraderSampleError } from '../grader-errors';
import type { GraderContext, GraderInput, GraderResult } from '../grader-types';
import { evaluateFormula, parseFormula } from '../formula';

type RunOne = (grader: Grader, input: GraderInput, ctx: GraderContext) => Promise<GraderResult>;

/**
 * OpenAI's multi grader: every sub-grader scores the sample (concurrently), then `calculate_output` combines their
 * scores by key. A sub-grader that failed the sample counts as 0 in the formula and its error is reported, as
 * OpenAI's run endpoint reports the sub-reward and the error side by side; a run failure (`GraderRunError`) of any
 * sub-grader fails the whole grader. A formula that comes out not finite (a division by zero) scores 0.
 */
export function multiGraderRunner(runOne: RunOne) {
  return async (grader: MultiGrader, input: GraderInput, ctx: GraderContext): Promise<GraderResult> => {
    const keys = Object.keys(grader.graders);
    const results = await Promise.all(keys.map((key) => runOne(grader.graders[key], input, ctx)));
    const subScores = Object.fromEntries(keys.map((key, i) => [key, results[i].score]));
    const errors = keys.flatMap((key, i) => (results[i].error ? [`graders.${key}: ${results[i].error}`] : []));
    const score = evaluateFormula(parseFormula(grader.calculate_output), subScores);
    if (!Number.isFinite(score)) throw new GraderSampleError(`calculate_output gave ${score} with ${JSON.stringify(subScores)}`);
    return { score, subScores, ...(errors.length > 0 ? { error: errors.join('; ') } : {}) };
  };
}
