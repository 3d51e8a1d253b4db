// A multi grader's `calculate_output`: arithmetic over the sub-graders' scores, parsed here into a tree and evaluated
// without `eval` (a user's formula must not reach JavaScript). Grammar, loosest first:
//   sum     := product (('+' | '-') product)*
//   product := unary (('*' | '/') unary)*
//   unary   := ('-' | '+') unary | power
//   power   := atom ('^' unary)?            (right-associative, binds tighter than a leading minus: -2^2 = -4)
//   atom    := number | name | name '(' sum (',' sum)* ')' | '(' sum ')'

export type FormulaNode =
  | { kind: 'number'; value: number }
  | { kind: 'name'; name: string }
  | { kind: 'unary'; operator: '-' | '+'; operand: FormulaNode }
  | { kind: 'binary'; operator: '+' | '-' | '*' | '/' | '^'; left: FormulaNode; right: FormulaNode }
  | { kind: 'call'; name: string; args: FormulaNode[] };

/** The functions a formula may call, with how many arguments each takes ([min, max]). */
const FUNCTIONS: Record<string, { arity: [number, number]; apply: (...args: number[]) => number }> = {
  min: { arity: [1, Infinity], apply: Math.min },
  max: { arity: [1, Infinity], apply: Math.max },
  abs: { arity: [1, 1], apply: Math.abs },
  sqrt: { arity: [1, 1], apply: Math.sqrt },
  log: { arity: [1, 1], apply: Math.log },
  exp: { arity: [1, 1], apply: Math.exp },
  floor: { arity: [1, 1], apply: Math.floor },
  ceil: { arity: [1, 1], apply: Math.ceil },
  round: { arity: [1, 1], apply: Math.round },
  pow: { arity: [2, 2], apply: Math.pow },
};
export const FORMULA_FUNCTIONS = Object.keys(FUNCTIONS);
// Own properties only: a formula naming `constructor` or `toString` must not reach Object.prototype.
const functionNamed = (name: string) => (Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined);

export class FormulaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormulaError';
  }
}

type Token = { kind: 'number'; value: number; at: number } | { kind: 'name'; name: string; at: number } | { kind: 'symbol'; symbol: string; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/^(),]))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) throw new FormulaError(`unexpected character '${text.slice(index).trimStart()[0]}' at position ${text.length - text.slice(index).trimStart().length + 1}`);
    const at = pattern.lastIndex - match[0].trimStart().length + 1;
    if (match[1] !== undefined) tokens.push({ kind: 'number', value: Number(match[1]), at });
    else if (match[2] !== undefined) tokens.push({ kind: 'name', name: match[2], at });
    else tokens.push({ kind: 'symbol', symbol: match[3], at });
    index = pattern.lastIndex;
  }
  return tokens;
}

/** Parses a formula; throws `FormulaError` saying where it goes wrong. */
export function parseFormula(text: string): FormulaNode {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const isSymbol = (symbol: string) => peek()?.kind === 'symbol' && (peek() as { symbol: string }).symbol === symbol;
  const where = () => (peek() ? `at position ${peek().at}` : 'at the end');
  const expect = (symbol: string) => {
    if (!isSymbol(symbol)) throw new FormulaError(`expected '${symbol}' ${where()}`);
    position++;
  };

  const sum = (): FormulaNode => {
    let node = product();
    while (isSymbol('+') || isSymbol('-')) {
      const operator = (tokens[position++] as { symbol: '+' | '-' }).symbol;
      node = { kind: 'binary', operator, left: node, right: product() };
    }
    return node;
  };
  const product = (): FormulaNode => {
    let node = unary();
    while (isSymbol('*') || isSymbol('/')) {
      const operator = (tokens[position++] as { symbol: '*' | '/' }).symbol;
      node = { kind: 'binary', operator, left: node, right: unary() };
    }
    return node;
  };
  const unary = (): FormulaNode => {
    if (isSymbol('-') || isSymbol('+')) {
      const operator = (tokens[position++] as { symbol: '-' | '+' }).symbol;
      return { kind: 'unary', operator, operand: unary() };
    }
    return power();
  };
  const power = (): FormulaNode => {
    const base = atom();
    if (!isSymbol('^')) return base;
    position++;
    return { kind: 'binary', operator: '^', left: base, right: unary() };
  };
  const atom = (): FormulaNode => {
    const token = peek();
    if (!token) throw new FormulaError('the formula ends where a value was expected');
    if (token.kind === 'number') {
      position++;
      return { kind: 'number', value: token.value };
    }
    if (token.kind === 'name') {
      position++;
      if (!isSymbol('(')) return { kind: 'name', name: token.name };
      position++;
      const args = [sum()];
      while (isSymbol(',')) {
        position++;
        args.push(sum());
      }
      expect(')');
      return { kind: 'call', name: token.name, args };
    }
    if (token.symbol === '(') {
      position++;
      const inner = sum();
      expect(')');
      return inner;
    }
    throw new FormulaError(`unexpected '${token.symbol}' at position ${token.at}`);
  };

  if (tokens.length === 0) throw new FormulaError('the formula is empty');
  const tree = sum();
  if (position < tokens.length) throw new FormulaError(`unexpected ${describe(tokens[position])} at position ${tokens[position].at}`);
  return tree;
}

function describe(token: Token): string {
  return token.kind === 'number' ? `number ${token.value}` : token.kind === 'name' ? `name '${token.name}'` : `'${token.symbol}'`;
}

/** The problem with a formula over these variable names (syntax, an unknown name or function, a wrong argument count), or undefined. */
export function formulaProblem(text: string, names: readonly string[]): string | undefined {
  let tree: FormulaNode;
  try {
    tree = parseFormula(text);
  } catch (error) {
    if (error instanceof FormulaError) return error.message;
    throw error;
  }
  const problems: string[] = [];
  const visit = (node: FormulaNode): void => {
    if (node.kind === 'name' && !names.includes(node.name)) {
      problems.push(`'${node.name}' is not one of the graders (${names.join(', ')})`);
    } else if (node.kind === 'call') {
      const fn = functionNamed(node.name);
      if (!fn) problems.push(`'${node.name}' is not a function here (${FORMULA_FUNCTIONS.join(', ')})`);
      else if (node.args.length < fn.arity[0] || node.args.length > fn.arity[1]) problems.push(`${node.name}() takes ${fn.arity[0] === fn.arity[1] ? fn.arity[0] : `at least ${fn.arity[0]}`} argument(s), not ${node.args.length}`);
      node.args.forEach(visit);
    } else if (node.kind === 'unary') visit(node.operand);
    else if (node.kind === 'binary') {
      visit(node.left);
      visit(node.right);
    }
  };
  visit(tree);
  return problems[0];
}

/** The formula's value with these variables; the formula must have passed `formulaProblem`. */
export function evaluateFormula(tree: FormulaNode, variables: Readonly<Record<string, number>>): number {
  switch (tree.kind) {
    case 'number':
      return tree.value;
    case 'name': {
      const value = Object.hasOwn(variables, tree.name) ? variables[tree.name] : undefined;
      if (value === undefined) throw new FormulaError(`'${tree.name}' has no value`);
      return value;
    }
    case 'unary':
      return tree.operator === '-' ? -evaluateFormula(tree.operand, variables) : evaluateFormula(tree.operand, variables);
    case 'call': {
      const fn = functionNamed(tree.name);
      if (!fn) throw new FormulaError(`'${tree.name}' is not a function here`);
      return fn.apply(...tree.args.map((arg) => evaluateFormula(arg, variables)));
    }
    case 'binary': {
      const left = evaluateFormula(tree.left, variables);
      const right = evaluateFormula(tree.right, variables);
      if (tree.operator === '+') return left + right;
      if (tree.operator === '-') return left - right;
      if (tree.operator === '*') return left * right;
      if (tree.operator === '/') return left / right;
      return left ** right;
    }
  }
}
