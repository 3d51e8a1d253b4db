import type { Grader } from '@tuneforge/contracts';
import { runGrader, type GraderContext } from '@tuneforge/graders';
import type { GradeFunction } from './reinforcement-step';

/**
 * The pod's grader runtime: the job's grader scored with libs/graders' runGrader. A sample's own failure (a python
 * grader past its limit, output that does not parse) comes back as a score (0) with a reason and the run goes on; a
 * run failure (a score_model endpoint still down after its retries) throws, and the step fails the run.
 */
export function graderRuntime(context: GraderContext): (grader: unknown) => GradeFunction {
  return (grader) => async (sample, item) => (await runGrader(grader as Grader, { sample, item }, context)).score;
}
