import { type GenerationEnd, type OutputParser, type ParsedOutput, parseError } from './parsed-output';

const FORMAT = 'code';

export interface CodeBlockParserOptions {
  /** Fence languages that count as actions (default `python`, `py`). */
  languages?: readonly string[];
  /** Tool the code is sent to as `{code}` (default `python`). */
  codeTool?: string;
  /**
   * Stop generation at the closing fence (`\n```` by default), as Lagent's code agents do, so the model
   * cannot write the execution result itself. A generation that ended on this stop has its fence closed.
   */
  stop?: readonly string[];
}

/**
 * Code as the action (Lagent's code interpreter, weave-agent's code traces): the first fenced block in one
 * of the configured languages is run by the code tool, the text before it is the thought. Output without
 * such a block is the final answer; a block that is opened and never closed is an error.
 */
export class CodeBlockParser implements OutputParser {
  readonly name = FORMAT;
  readonly inputMode = 'chat' as const;
  readonly stop: readonly string[];
  private readonly languages: readonly string[];
  private readonly codeTool: string;

  constructor(options: CodeBlockParserOptions = {}) {
    this.languages = options.languages ?? ['python', 'py'];
    this.codeTool = options.codeTool ?? 'python';
    this.stop = options.stop ?? ['\n```'];
  }

  parse(text: string, end?: GenerationEnd): ParsedOutput {
    const opening = new RegExp('(^|\\n)```(' + this.languages.map(escape).join('|') + ')[ \\t]*\\n', 'g');
    const open = opening.exec(text);
    if (!open) return { kind: 'final_answer', answer: text.trim(), warnings: [] };
    const bodyStart = open.index + open[0].length;
    const close = text.indexOf('\n```', bodyStart - 1);
    let code: string;
    if (close >= 0) code = text.slice(bodyStart, close);
    else if (end?.stop !== undefined && this.stop.includes(end.stop)) code = text.slice(bodyStart);
    else return parseError(FORMAT, text, text.length, 'unclosed_fence', `a closing \`\`\` for the ${open[2]} block opened on line ${text.slice(0, bodyStart).split('\n').length - 1}`);
    if (!code.trim()) return parseError(FORMAT, text, bodyStart, 'empty_code', 'code inside the fenced block');
    const thought = text.slice(0, open.index).trim();
    return { kind: 'tool_calls', calls: [{ name: this.codeTool, arguments: { code } }], content: thought || null, ...(thought ? { thought } : {}), warnings: [] };
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
