import type { Grader } from '@tuneforge/contracts';
import { validateGrader } from '@tuneforge/graders';
import { InvalidRequestError } from '../errors/gateway-errors';

/**
 * A grader from a request body, or a 400 naming the field inside it under `prefix`: `grader.operation` on the graders
 * endpoints, `method.reinforcement.grader.graders.a.reference` in a job request.
 */
export function requireValidGrader(grader: unknown, prefix: string): Grader {
  if (grader === undefined) throw new InvalidRequestError(`Missing required parameter: '${prefix}'.`, prefix);
  const result = validateGrader(grader);
  if (result.ok) return result.grader;
  const param = result.param ? `${prefix}.${result.param}` : prefix;
  throw new InvalidRequestError(result.message.replace(`'${result.param}'`, `'${param}'`), param);
}
