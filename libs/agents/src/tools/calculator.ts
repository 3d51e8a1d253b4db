import type { AgentTool } from './agent-tool';
import { ToolError } from './agent-tool';

/**
 * Arithmetic without `eval`: a tokenizer and a recursive-descent parser over numbers, + - * / % and
 * ^ or ** (right-associative power), parentheses, unary signs, the constants pi and e, and the functions
 * below. Anything else is refused with the position of the offending character. Results are rounded to
 * 12 significant digits so that binary noise (0.1 + 0.2) does not reach the model.
 */
const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...xs: number[]) => number }> = {
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  abs: { arity: [1, 1], fn: Math.abs },
  round: { arity: [1, 1], fn: Math.round },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  exp: { arity: [1, 1], fn: Math.exp },
  ln: { arity: [1, 1], fn: Math.log },
  log: { arity: [1, 2], fn: (x, base) => (base === undefined ? Math.log10(x) : Math.log(x) / Math.log(base)) },
  sin: { arity: [1, 1], fn: Math.sin },
  cos: { arity: [1, 1], fn: Math.cos },
  tan: { arity: [1, 1], fn: Math.tan },
  min: { arity: [1, 64], fn: Math.min },
  max: { arity: [1, 64], fn: Math.max },
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };
const MAX_LENGTH = 1000;
const MAX_DEPTH = 100;

type Token = { kind: 'number'; value: number; at: number } | { kind: 'name'; value: string; at: number } | { kind: 'op'; value: string; at: number } | { kind: 'end'; at: number };

export class CalculatorError extends ToolError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position + 1}`);
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const number = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(source.slice(i));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    const name = /^[a-zA-Z_]\w*/.exec(source.slice(i));
    if (name) {
      tokens.push({ kind: 'name', value: name[0].toLowerCase(), at: i });
      i += name[0].length;
      continue;
    }
    if (source.startsWith('**', i)) {
      tokens.push({ kind: 'op', value: '^', at: i });
      i += 2;
      continue;
    }
    if ('+-*/%^(),×÷'.includes(c)) {
      tokens.push({ kind: 'op', value: c === '×' ? '*' : c === '÷' ? '/' : c, at: i });
      i++;
      continue;
    }
    throw new CalculatorError(`unexpected character ${JSON.stringify(c)}`, i);
  }
  tokens.push({ kind: 'end', at: source.length });
  return tokens;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): number {
    const value = this.expression();
    const next = this.peek();
    if (next.kind !== 'end') throw new CalculatorError(`expected an operator or the end, found ${describe(next)}`, next.at);
    return value;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === value;
  }

  private expect(value: string): void {
    const t = this.peek();
    if (!this.isOp(value)) throw new CalculatorError(`expected ${JSON.stringify(value)}, found ${describe(t)}`, t.at);
    this.index++;
  }

  private expression(): number {
    let left = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.tokens[this.index++] as { value: string };
      const right = this.term();
      left = op.value === '+' ? left + right : left - right;
    }
    return left;
  }

  private term(): number {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.tokens[this.index++];
      const right = this.unary();
      if ((op as { value: string }).value !== '*' && right === 0) throw new CalculatorError('division by zero', op.at);
      const v = (op as { value: string }).value;
      left = v === '*' ? left * right : v === '/' ? left / right : left % right;
    }
    return left;
  }

  // Unary minus binds looser than power: -2^2 is -4, as in mathematics and Python.
  private unary(): number {
    if (this.isOp('-') || this.isOp('+')) {
      const negative = this.isOp('-');
      this.index++;
      const value = this.nested(() => this.unary());
      return negative ? -value : value;
    }
    return this.power();
  }

  private power(): number {
    const base = this.primary();
    if (this.isOp('^')) {
      this.index++;
      const exponent = this.nested(() => this.unary());
      return base ** exponent;
    }
    return base;
  }

  private nested<T>(inner: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new CalculatorError('expression nested too deeply', this.peek().at);
    try {
      return inner();
    } finally {
      this.depth--;
    }
  }

  private primary(): number {
    const t = this.peek();
    if (t.kind === 'number') {
      this.index++;
      return t.value;
    }
    if (this.isOp('(')) {
      this.index++;
      const value = this.nested(() => this.expression());
      this.expect(')');
      return value;
    }
    if (t.kind === 'name') {
      this.index++;
      if (t.value in CONSTANTS && !this.isOp('(')) return CONSTANTS[t.value];
      const fn = FUNCTIONS[t.value];
      if (!fn) throw new CalculatorError(`unknown name ${JSON.stringify(t.value)} (functions: ${Object.keys(FUNCTIONS).join(', ')}; constants: pi, e)`, t.at);
      this.expect('(');
      const args: number[] = [this.nested(() => this.expression())];
      while (this.isOp(',')) {
        this.index++;
        args.push(this.nested(() => this.expression()));
      }
      this.expect(')');
      if (args.length < fn.arity[0] || args.length > fn.arity[1]) throw new CalculatorError(`${t.value} takes ${fn.arity[0] === fn.arity[1] ? fn.arity[0] : `${fn.arity[0]}-${fn.arity[1]}`} argument(s), got ${args.length}`, t.at);
      return fn.fn(...args);
    }
    throw new CalculatorError(`expected a number, a name or "(", found ${describe(t)}`, t.at);
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end of the expression' : JSON.stringify(String(t.value));
}

/** Evaluates an arithmetic expression; throws a `CalculatorError` (with position) for anything else. */
export function evaluateExpression(expression: string): number {
  if (expression.length > MAX_LENGTH) throw new CalculatorError(`expression longer than ${MAX_LENGTH} characters`, MAX_LENGTH);
  const value = new Parser(tokenize(expression)).parse();
  if (!Number.isFinite(value)) throw new CalculatorError('the result is not a finite number', 0);
  return value;
}

export function formatNumber(value: number): string {
  const rounded = Number(value.toPrecision(12));
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

export function createCalculatorTool(options: { name?: string; description?: string } = {}): AgentTool {
  return {
    name: options.name ?? 'calculator',
    description:
      options.description ?? 'Evaluates an arithmetic expression: numbers, + - * / % ^, parentheses, sqrt, abs, round, floor, ceil, exp, ln, log, sin, cos, tan, min, max, pi, e.',
    parameters: {
      type: 'object',
      properties: { expression: { type: 'string', description: 'The expression, e.g. "(3 + 4) * 2"' } },
      required: ['expression'],
      additionalProperties: false,
    },
    execute: (args) => formatNumber(evaluateExpression(String(args.expression))),
  };
}
