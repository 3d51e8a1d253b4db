import { evaluateFormula, formulaProblem, parseFormula } from './formula';

const value = (formula: string, variables: Record<string, number> = {}) => evaluateFormula(parseFormula(formula), variables);

describe('calculate_output formulas', () => {
  it('follows arithmetic precedence, with ^ right-associative and above a leading minus', () => {
    expect(value('1 + 2 * 3')).toBe(7);
    expect(value('(1 + 2) * 3')).toBe(9);
    expect(value('2 ^ 3 ^ 2')).toBe(512);
    expect(value('-2 ^ 2')).toBe(-4);
    expect(value('10 / 4 - 1.5e0')).toBe(1);
  });

  it('computes weighted sums and functions over the graders', () => {
    expect(value('0.7 * name + 0.3 * email', { name: 1, email: 0.5 })).toBeCloseTo(0.85, 12);
    expect(value('max(a, b, 0.2) + min(a, b) + abs(-a) + floor(2.7) + ceil(0.1) + round(0.5)', { a: 0.25, b: 0.5 })).toBeCloseTo(0.5 + 0.25 + 0.25 + 2 + 1 + 1, 12);
    expect(value('sqrt(a) * exp(log(b))', { a: 4, b: 3 })).toBeCloseTo(6, 12);
  });

  it('says what is wrong: unknown names, functions, arity, syntax', () => {
    expect(formulaProblem('a + b', ['a'])).toContain("'b' is not one of the graders");
    expect(formulaProblem('require(a)', ['a'])).toContain("'require' is not a function");
    expect(formulaProblem('constructor(a)', ['a'])).toContain("'constructor' is not a function");
    expect(formulaProblem('abs(a, a)', ['a'])).toContain('abs() takes 1');
    expect(formulaProblem('(a', ['a'])).toContain("expected ')'");
    expect(formulaProblem('a; b', ['a', 'b'])).toContain("unexpected character ';'");
    expect(formulaProblem('', [])).toBe('the formula is empty');
    expect(formulaProblem('a * (0.5 + a)', ['a'])).toBeUndefined();
  });
});
