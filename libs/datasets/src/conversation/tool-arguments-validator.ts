import { z } from 'zod';
import type { ToolDefinition } from './conversation.schema';

/**
 * Checks tool-call arguments against the tool's JSON Schema with zod's JSON Schema import, which covers the
 * keywords tool definitions use (type, properties, required, enum, items, bounds, anyOf, additionalProperties).
 * Compiled validators are cached by schema text because a dataset repeats the same few tools on every line.
 */
const compiled = new Map<string, z.ZodType | null>();
const CACHE_LIMIT = 512;

function validatorFor(parameters: Record<string, unknown>): z.ZodType | null {
  const key = JSON.stringify(parameters);
  let validator = compiled.get(key);
  if (validator === undefined) {
    try {
      validator = z.fromJSONSchema(parameters as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      // A schema zod cannot import is not the data's fault; it is left unchecked rather than rejected.
      validator = null;
    }
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(key, validator);
  }
  return validator;
}

/** Returns what is wrong with `args` for `tool`, or undefined when they fit its schema. */
export function argumentsProblem(tool: ToolDefinition, args: unknown): string | undefined {
  const parameters = tool.function.parameters;
  if (!parameters) return undefined;
  const validator = validatorFor(parameters);
  if (!validator) return undefined;
  const result = validator.safeParse(args);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return `arguments matching the ${tool.function.name} schema (${where}${issue.message})`;
}
