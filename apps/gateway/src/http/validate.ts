import type { z } from 'zod';
import { InvalidRequestError } from '../errors/gateway-errors';

export interface ValidateOptions {
  /** Fields the server sets (ids, status, timestamps): refused with a message saying so. */
  serverOwned?: readonly string[];
}

/**
 * Parses a request's query, body or form fields with a zod schema; the first problem becomes a 400
 * whose `param` names the field (dotted path for nested fields), as OpenAI's API does.
 */
export function validateRequest<S extends z.ZodType>(schema: S, value: unknown, options: ValidateOptions = {}): z.infer<S> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const owned = Object.keys(value).find((key) => options.serverOwned?.includes(key));
    if (owned) throw new InvalidRequestError(`'${owned}' is set by the server and cannot be given in a request.`, owned);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const param = [...issue.path.map(String), key].join('.');
    throw new InvalidRequestError(`Unrecognized request argument supplied: ${param}`, param);
  }
  const param = issue.path.length > 0 ? issue.path.map(String).join('.') : null;
  throw new InvalidRequestError(param ? `Invalid value for '${param}': ${issue.message}` : `Invalid request: ${issue.message}`, param);
}
