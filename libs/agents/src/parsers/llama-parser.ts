import { type OutputParser, type ParsedOutput, parseError } from './parsed-output';
import { readToolCallJson } from './tool-call-object';

const FORMAT = 'llama3';
const PYTHON_TAG = '<|python_tag|>';
const END_MARKERS = ['<|eom_id|>', '<|eot_id|>'];

export interface LlamaParserOptions {
  /** Tool that receives `<|python_tag|>` code that is not a JSON call (Llama's code interpreter). */
  codeTool?: string;
}

/**
 * Llama 3.1 custom tool calling: the whole reply is `{"name": ..., "parameters": {...}}` (JSON-based tool
 * calling), optionally after `<|python_tag|>`. Code after `<|python_tag|>` that is not JSON is a call of the
 * code interpreter tool with `{code}`. A reply that starts with `{` but is not a call object is an error;
 * anything else is the final answer.
 */
export class LlamaToolCallParser implements OutputParser {
  readonly name = FORMAT;
  readonly inputMode = 'chat' as const;
  readonly stop = [] as const;
  private readonly codeTool: string;

  constructor(options: LlamaParserOptions = {}) {
    this.codeTool = options.codeTool ?? 'python';
  }

  parse(text: string): ParsedOutput {
    let body = text;
    for (const marker of END_MARKERS) if (body.trimEnd().endsWith(marker)) body = body.trimEnd().slice(0, -marker.length);
    const lead = body.length - body.trimStart().length;
    let start = lead;
    const tagged = body.startsWith(PYTHON_TAG, lead);
    if (tagged) start += PYTHON_TAG.length;
    const rest = body.slice(start);
    const restLead = rest.length - rest.trimStart().length;
    const payload = rest.trim();
    if (payload.startsWith('{')) {
      const read = readToolCallJson(payload, start + restLead, ['parameters', 'arguments']);
      if (!read.ok) return parseError(FORMAT, text, read.offset, read.code, read.expected);
      return { kind: 'tool_calls', calls: [read.call], content: null, warnings: [] };
    }
    if (tagged) {
      if (!payload) return parseError(FORMAT, text, start, 'empty_call', `a JSON call or code after ${PYTHON_TAG}`);
      return { kind: 'tool_calls', calls: [{ name: this.codeTool, arguments: { code: payload } }], content: null, warnings: [] };
    }
    return { kind: 'final_answer', answer: body.trim(), warnings: [] };
  }
}
