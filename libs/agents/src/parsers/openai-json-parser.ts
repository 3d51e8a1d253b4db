import { isPlainObject, parseJson } from './json-text';
import { type OutputParser, type ParsedOutput, type ParsedToolCall, parseError } from './parsed-output';
import { readToolCallValue } from './tool-call-object';

const FORMAT = 'openai-json';
const FENCE = /^```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/;

/**
 * OpenAI-style tool calls written as JSON text, for models tuned to answer in the API's shape:
 * `{"tool_calls": [{"type": "function", "function": {"name", "arguments"}}], "content"?}`, a bare list of
 * calls, or one `{"name", "arguments"}` object, optionally inside a ```json fence. Arguments may be an
 * object or JSON text. Plain text is the final answer; text that opens like JSON but is not a call is an error.
 */
export class OpenAIJsonToolCallParser implements OutputParser {
  readonly name = FORMAT;
  readonly inputMode = 'chat' as const;
  readonly stop = [] as const;

  parse(text: string): ParsedOutput {
    const trimmed = text.trim();
    const lead = text.length - text.trimStart().length;
    const fenced = FENCE.exec(trimmed);
    const json = fenced ? fenced[1] : trimmed;
    const offset = fenced ? lead + trimmed.indexOf(fenced[1]) : lead;
    if (!json.startsWith('{') && !json.startsWith('[')) return { kind: 'final_answer', answer: trimmed, warnings: [] };
    const parsed = parseJson(json);
    if (!parsed.ok) return parseError(FORMAT, text, offset + parsed.offset, 'invalid_json', `valid JSON (${parsed.message})`);
    const value = parsed.value;
    let list: unknown[];
    let content: string | null = null;
    if (Array.isArray(value)) list = value;
    else if (isPlainObject(value) && 'tool_calls' in value) {
      if (!Array.isArray(value.tool_calls)) return parseError(FORMAT, text, offset, 'invalid_tool_calls', '"tool_calls" as an array of calls');
      list = value.tool_calls;
      if (typeof value.content === 'string' && value.content.trim()) content = value.content.trim();
    } else list = [value];
    if (list.length === 0) {
      return content !== null ? { kind: 'final_answer', answer: content, warnings: [] } : parseError(FORMAT, text, offset, 'empty_tool_calls', 'at least one tool call');
    }
    const calls: ParsedToolCall[] = [];
    for (const [i, item] of list.entries()) {
      const read = readToolCallValue(item, offset, ['arguments', 'parameters']);
      if (!read.ok) return parseError(FORMAT, text, read.offset, read.code, `tool call ${i}: ${read.expected}`);
      calls.push(read.call);
    }
    return { kind: 'tool_calls', calls, content, warnings: [] };
  }
}
