import { z } from 'zod';

const JSON_SCHEMA_TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
/** Keywords whose value is one subschema / a map of subschemas / a list of subschemas. */
const SUBSCHEMA_KEYWORDS = ['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else'];
const SUBSCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', '$defs', 'definitions'];
const SUBSCHEMA_LIST_KEYWORDS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const MAX_DEPTH = 32;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What is wrong with a function tool's `parameters` as a JSON Schema, or undefined when nothing is. OpenAI
 * refuses such tools with a 400 naming them; so does Tuneforge, because a schema that cannot be read also
 * cannot check the arguments the model answers with. Checked: the top level is `type: "object"` (when a type
 * is given), every keyword that holds subschemas holds objects (or booleans), `type` names JSON Schema types,
 * `required` is a list of strings, and zod can import it (the validator serving and training check arguments with).
 */
export function jsonSchemaProblem(parameters: unknown): string | undefined {
  if (!isPlainObject(parameters)) return 'a JSON Schema object';
  if (parameters.type !== undefined && parameters.type !== 'object') return `a JSON Schema of type "object", not ${JSON.stringify(parameters.type)}`;
  const structural = subschemaProblem(parameters, '', 0);
  if (structural) return structural;
  try {
    z.fromJSONSchema(parameters as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    return `a JSON Schema this server can validate arguments with (${(error as Error).message})`;
  }
  return undefined;
}

function subschemaProblem(schema: unknown, at: string, depth: number): string | undefined {
  if (typeof schema === 'boolean') return undefined;
  const where = at ? ` at ${at}` : '';
  if (!isPlainObject(schema)) return `a JSON Schema object${where}`;
  if (depth > MAX_DEPTH) return `a JSON Schema nested at most ${MAX_DEPTH} levels deep`;
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  const unknownType = types.find((type) => typeof type !== 'string' || !JSON_SCHEMA_TYPES.has(type));
  if (unknownType !== undefined) return `a JSON Schema type (${[...JSON_SCHEMA_TYPES].join(', ')})${where}, not ${JSON.stringify(unknownType)}`;
  if (schema.required !== undefined && !(Array.isArray(schema.required) && schema.required.every((name) => typeof name === 'string'))) {
    return `"required" as a list of property names${where}`;
  }
  if (schema.enum !== undefined && !Array.isArray(schema.enum)) return `"enum" as a list of values${where}`;
  for (const keyword of SUBSCHEMA_KEYWORDS) {
    if (schema[keyword] === undefined) continue;
    const problem = subschemaProblem(schema[keyword], `${at}.${keyword}`.replace(/^\./, ''), depth + 1);
    if (problem) return problem;
  }
  for (const keyword of SUBSCHEMA_MAP_KEYWORDS) {
    const map = schema[keyword];
    if (map === undefined) continue;
    if (!isPlainObject(map)) return `"${keyword}" as an object of schemas${where}`;
    for (const [name, sub] of Object.entries(map)) {
      const problem = subschemaProblem(sub, `${at}.${keyword}.${name}`.replace(/^\./, ''), depth + 1);
      if (problem) return problem;
    }
  }
  for (const keyword of SUBSCHEMA_LIST_KEYWORDS) {
    const list = schema[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return `"${keyword}" as a list of schemas${where}`;
    for (const [index, sub] of list.entries()) {
      const problem = subschemaProblem(sub, `${at}.${keyword}.${index}`.replace(/^\./, ''), depth + 1);
      if (problem) return problem;
    }
  }
  return undefined;
}
