import type { JobSpec } from '@tuneforge/contracts';
import { InvalidRequestError } from '../errors/gateway-errors';
import { requireValidGrader } from '../graders/require-valid-grader';

/**
 * What a reinforcement job needs beyond the request's shape (OpenAI's rules): a grader that validates — its
 * formula names, a metric Tuneforge computes, a python sandbox on this deployment — and a validation file, which the
 * run evaluates on every `eval_interval` steps. Each refusal is a 400 naming the field.
 */
export function checkReinforcementRequest(spec: JobSpec): void {
  const reinforcement = spec.method?.type === 'reinforcement' ? spec.method.reinforcement : undefined;
  if (!reinforcement) return;
  requireValidGrader(reinforcement.grader, 'method.reinforcement.grader');
  if (!spec.validation_file) {
    throw new InvalidRequestError("A reinforcement job needs a validation_file as well as a training_file: its prompts are graded every eval_interval steps.", 'validation_file');
  }
}
