/**
 * What an output parser makes of one model generation. A parser never throws on model output: text it
 * cannot read becomes a `ParseError` that says what was expected and where, so a malformed turn is
 * recorded, fed back to the model and counted by evaluation instead of ending the run.
 */

/** One tool call as the model wrote it; the runner gives it an id. */
export interface ParsedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface ParseError {
  /** The parser that failed, e.g. `react`, `qwen`. */
  format: string;
  /** A short machine-readable reason, e.g. `invalid_json`, `unclosed_tag`, `step_order`, `no_decision`. */
  code: string;
  /** What the parser expected to find. */
  expected: string;
  /** What it found instead (a short excerpt), when there is something to show. */
  received?: string;
  /** Where, as a 0-based character offset into the generation and as 1-based line and column. */
  offset: number;
  line: number;
  column: number;
}

export type ParsedOutput =
  | {
      kind: 'tool_calls';
      calls: ParsedToolCall[];
      /** Text the model wrote besides the calls (a Qwen preamble, the text before a code block), or null. */
      content: string | null;
      /** The reasoning that precedes the action (ReAct `Thought:`). */
      thought?: string;
      /** Deviations from the training format that did not stop the call from being read. */
      warnings: string[];
    }
  | { kind: 'final_answer'; answer: string; thought?: string; warnings: string[] }
  | { kind: 'error'; error: ParseError };

/** What the model's generation ended on, as the parser may need it (a closing fence removed as a stop). */
export interface GenerationEnd {
  finishReason: 'stop' | 'eos' | 'length';
  /** The stop string that ended the generation, when one did. */
  stop?: string;
}

export interface OutputParser {
  /** Format name, used in errors and records. */
  readonly name: string;
  /**
   * `prompt`: the model continues a raw text prompt (ReAct completion mode, as reference 000 trains it);
   * `chat`: the model gets OpenAI messages and tools and renders them with its chat template.
   */
  readonly inputMode: 'prompt' | 'chat';
  /** Stop strings this format needs by default (ReAct: `\nObservation:`). */
  readonly stop: readonly string[];
  /** The stop string at which the model hands over to the tool, when the format has one. */
  readonly observationStop?: string;
  parse(text: string, end?: GenerationEnd): ParsedOutput;
}

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): { offset: number; line: number; column: number } {
  const clamped = Math.max(0, Math.min(offset, text.length));
  const before = text.slice(0, clamped);
  const line = before.split('\n').length;
  const column = clamped - (before.lastIndexOf('\n') + 1) + 1;
  return { offset: clamped, line, column };
}

export function parseError(format: string, text: string, offset: number, code: string, expected: string, received?: string): ParsedOutput {
  const excerpt = received ?? excerptAt(text, offset);
  return { kind: 'error', error: { format, code, expected, ...(excerpt ? { received: excerpt } : {}), ...positionOf(text, offset) } };
}

function excerptAt(text: string, offset: number): string | undefined {
  const rest = text.slice(offset, offset + 40);
  return rest.length ? rest + (text.length > offset + 40 ? '…' : '') : undefined;
}

/** The message the model is shown when its output could not be read. */
export function describeParseError(error: ParseError): string {
  const found = error.received !== undefined ? `, found ${JSON.stringify(error.received)}` : '';
  return `Invalid format (${error.format}, line ${error.line}, column ${error.column}): expected ${error.expected}${found}.`;
}
