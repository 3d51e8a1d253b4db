import type { Grader } from '@tuneforge/contracts';
import { GraderRunError } from './grader-errors';
import type { GraderContext, GraderInput, GraderResult } from './grader-types';
import { runLogitGrader } from './graders/logit';
import { multiGraderRunner } from './graders/multi';
import { runLabelModel } from './graders/label-model';
import { runScoreModel } from './graders/score-model';
import { runStringCheck } from './graders/string-check';
import { runTaskSuccess } from './graders/task-success';
import { runTextSimilarity } from './graders/text-similarity';
import { runToolCallGrader } from './graders/tool-call';
import { runPythonGrader } from './python/python-grader';

const runMulti = multiGraderRunner(runGrader);

function dispatch(grader: Grader, input: GraderInput, ctx: GraderContext): Promise<GraderResult> {
  switch (grader.type) {
    case 'string_check':
      return runStringCheck(grader, input, ctx);
    case 'text_similarity':
      return runTextSimilarity(grader, input, ctx);
    case 'score_model':
      return runScoreModel(grader, input, ctx);
    case 'label_model':
      return runLabelModel(grader, input, ctx);
    case 'logit':
      return runLogitGrader(grader, input, ctx);
    case 'python':
      return runPythonGrader(grader, input, ctx);
    case 'tool_call':
      return runToolCallGrader(grader, input, ctx);
    case 'task_success':
      return runTaskSuccess(grader, input, ctx);
    case 'multi':
      return runMulti(grader, input, ctx);
  }
}

/**
 * Scores one sample with a validated grader (`validateGrader`). A failure of the sample — a template variable it
 * lacks, a reply without a score, a python grader that raised or ran past its limit, anything unexpected while
 * scoring it — is score 0 with `error`: the rollout group goes on. A failure of the run (`GraderRunError`: an endpoint
 * still unreachable after its retries, no endpoint configured, no python sandbox) and an abort through `ctx.signal`
 * are thrown, for the caller to fail the step with their message.
 */
export async function runGrader(grader: Grader, input: GraderInput, ctx: GraderContext = {}): Promise<GraderResult> {
  try {
    const result = await dispatch(grader, input, ctx);
    if (!Number.isFinite(result.score)) return { ...result, score: 0, error: `the grader produced ${result.score}` };
    return result;
  } catch (error) {
    if (error instanceof GraderRunError) throw error;
    if (ctx.signal?.aborted) throw error;
    return { score: 0, error: error instanceof Error ? error.message : String(error) };
  }
}
