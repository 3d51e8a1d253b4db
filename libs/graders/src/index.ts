export { validateGrader, type GraderValidation } from './validate-grader';
export { runGrader } from './run-grader';
export { trajectoryGraderSample } from './trajectory-sample';
export type { GraderSample, GraderInput, GraderContext, GraderResult } from './grader-types';
export { graderContextOf } from './grader-types';
export { GraderRunError, GraderSampleError } from './grader-errors';
export { renderTemplate, resolveTemplateValue, templateProblem } from './template';
export { parseFormula, evaluateFormula, formulaProblem, FORMULA_FUNCTIONS, FormulaError } from './formula';
export { pythonSandboxProblem } from './python/sandbox-probe';
export { DEFAULT_PYTHON_LIMITS } from './python/python-grader';
export { UNSUPPORTED_SIMILARITY_METRICS } from './graders/text-similarity';
export { scoreOf } from './graders/score-model';
export { fuzzyRatio } from './graders/fuzzy-ratio';
// The shapes live in @tuneforge/contracts (the job request and config carry them); re-exported for callers of this lib.
export {
  graderSchema,
  type Grader,
  type StringCheckGrader,
  type TextSimilarityGrader,
  type ScoreModelGrader,
  type MultiGrader,
  type PythonGrader,
  type ToolCallGrader,
  type TaskSuccessGrader,
  type LogitGrader,
} from '@tuneforge/contracts';
