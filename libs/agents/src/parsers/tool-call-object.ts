import { argumentsObject, isPlainObject, parseJson } from './json-text';
import type { ParsedToolCall } from './parsed-output';

export type ToolCallRead = { ok: true; call: ParsedToolCall } | { ok: false; offset: number; code: string; expected: string };

/**
 * Reads one tool call written as JSON: `{"name", "arguments"}` (Qwen, Hermes), `{"name", "parameters"}`
 * (Llama 3.1) or OpenAI's `{"type": "function", "function": {"name", "arguments"}}`. Arguments may be an
 * object or JSON text of one. `offset` positions errors inside the whole generation.
 */
export function readToolCallJson(json: string, offset: number, argumentKeys: readonly string[]): ToolCallRead {
  const parsed = parseJson(json);
  if (!parsed.ok) return { ok: false, offset: offset + parsed.offset, code: 'invalid_json', expected: `valid JSON (${parsed.message})` };
  return readToolCallValue(parsed.value, offset, argumentKeys);
}

export function readToolCallValue(value: unknown, offset: number, argumentKeys: readonly string[]): ToolCallRead {
  if (!isPlainObject(value)) return { ok: false, offset, code: 'not_an_object', expected: 'a JSON object with "name" and arguments' };
  const inner = isPlainObject(value.function) ? value.function : value;
  if (typeof inner.name !== 'string' || inner.name.length === 0) return { ok: false, offset, code: 'missing_name', expected: 'a string "name" naming the tool' };
  const key = argumentKeys.find((k) => k in inner);
  const args = argumentsObject(key === undefined ? undefined : inner[key]);
  if (!args) return { ok: false, offset, code: 'invalid_arguments', expected: `"${key}" as a JSON object (or JSON text of one)` };
  return { ok: true, call: { name: inner.name, arguments: args } };
}
