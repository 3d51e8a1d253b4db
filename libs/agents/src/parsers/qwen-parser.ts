import { type OutputParser, type ParsedOutput, type ParsedToolCall, parseError } from './parsed-output';
import { readToolCallJson } from './tool-call-object';

const FORMAT = 'qwen';
const OPEN = '<tool_call>';
const CLOSE = '</tool_call>';

/**
 * Qwen2.5 / Hermes tool calls: one or more `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks
 * (the form the Qwen chat template renders), with any text around them kept as content. Output without a
 * block is the final answer. A block that never closes or holds anything but a call object is an error.
 */
export class QwenToolCallParser implements OutputParser {
  readonly name = FORMAT;
  readonly inputMode = 'chat' as const;
  readonly stop = [] as const;

  parse(text: string): ParsedOutput {
    const calls: ParsedToolCall[] = [];
    let content = '';
    let at = 0;
    for (;;) {
      const open = text.indexOf(OPEN, at);
      const strayClose = text.indexOf(CLOSE, at);
      if (strayClose >= 0 && (open < 0 || strayClose < open)) return parseError(FORMAT, text, strayClose, 'unopened_tag', `${OPEN} before ${CLOSE}`);
      if (open < 0) break;
      content += text.slice(at, open);
      const bodyStart = open + OPEN.length;
      const close = text.indexOf(CLOSE, bodyStart);
      if (close < 0) return parseError(FORMAT, text, text.length, 'unclosed_tag', `${CLOSE} to end the tool call opened at offset ${open}`);
      const body = text.slice(bodyStart, close);
      const lead = body.length - body.trimStart().length;
      const read = readToolCallJson(body.trim(), bodyStart + lead, ['arguments', 'parameters']);
      if (!read.ok) return parseError(FORMAT, text, read.offset, read.code, read.expected);
      calls.push(read.call);
      at = close + CLOSE.length;
    }
    content += text.slice(at);
    const trimmed = content.trim();
    if (calls.length === 0) return { kind: 'final_answer', answer: trimmed, warnings: [] };
    return { kind: 'tool_calls', calls, content: trimmed.length ? trimmed : null, warnings: [] };
  }
}
