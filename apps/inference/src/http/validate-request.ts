import type { z } from 'zod';
import { InvalidRequestError } from '../errors/inference-errors';

type Issue = z.core.$ZodIssue;

/**
 * The issue to report from a union that matched no branch: the deepest problem of the branch that got furthest
 * (a text part with the wrong type says so, rather than "Invalid input" for the whole content).
 */
function mostSpecific(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const branches = issue.errors.filter((branch) => branch.length > 0);
  if (branches.length === 0) return issue;
  const depth = (branch: readonly Issue[]) => Math.max(...branch.map((inner) => inner.path.length));
  const furthest = branches.reduce((best, branch) => (depth(branch) > depth(best) ? branch : best));
  if (depth(furthest) === 0) return issue;
  const inner = mostSpecific(furthest[0]);
  return { ...inner, path: [...issue.path, ...inner.path] } as Issue;
}

/**
 * Parses a request body with a zod schema; the first problem becomes a 400 whose `param` names the field (dotted
 * path for nested fields), as OpenAI's API does.
 */
export function validateRequest<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = mostSpecific(result.error.issues[0]);
  if (issue.code === 'unrecognized_keys') {
    const param = [...issue.path.map(String), issue.keys[0]].join('.');
    throw new InvalidRequestError(`Unrecognized request argument supplied: ${param}`, param);
  }
  const param = issue.path.length > 0 ? issue.path.map(String).join('.') : null;
  throw new InvalidRequestError(param ? `Invalid value for '${param}': ${issue.message}` : `Invalid request: ${issue.message}`, param);
}
