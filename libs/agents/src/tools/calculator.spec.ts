import { CalculatorError, createCalculatorTool, evaluateExpression, formatNumber } from './calculator';

describe('calculator', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 3 ^ 2', 512],
    ['2 ** 10', 1024],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['10 / 4', 2.5],
    ['10 % 4', 2],
    ['--3', 3],
    ['1.5e3 + .5', 1500.5],
    ['sqrt(16) + abs(-3)', 7],
    ['max(1, 7, 3) - min(4, 2)', 5],
    ['log(1000)', 3],
    ['log(8, 2)', 3],
    ['round(pi * 100)', 314],
    ['6 × 7 ÷ 2', 21],
  ])('%s = %d', (expression, value) => {
    expect(evaluateExpression(expression)).toBeCloseTo(value, 10);
  });

  it('formats results without binary noise', () => {
    expect(formatNumber(evaluateExpression('0.1 + 0.2'))).toBe('0.3');
    expect(formatNumber(evaluateExpression('1 / 3'))).toBe('0.333333333333');
    expect(formatNumber(-0)).toBe('0');
  });

  it.each([
    ['1 / 0', 'division by zero at position 3'],
    ['2 +', 'expected a number, a name or "(", found the end of the expression at position 4'],
    ['(1 + 2', 'expected ")", found the end of the expression at position 7'],
    ['process.exit(1)', 'unexpected character "." at position 8'],
    ['require(1)', 'unknown name "require" (functions: sqrt, abs, round, floor, ceil, exp, ln, log, sin, cos, tan, min, max; constants: pi, e) at position 1'],
    ['1; 2', 'unexpected character ";" at position 2'],
    ['sqrt(1, 2)', 'sqrt takes 1 argument(s), got 2 at position 1'],
    ['10 ^ 400', 'the result is not a finite number at position 1'],
    ['1 2', 'expected an operator or the end, found "2" at position 3'],
  ])('refuses %j: %s', (expression, message) => {
    expect(() => evaluateExpression(expression)).toThrow(new CalculatorError(message.replace(/ at position \d+$/, ''), Number(/(\d+)$/.exec(message)?.[1]) - 1));
    expect(() => evaluateExpression(expression)).toThrow(message);
  });

  it('refuses deep nesting instead of overflowing the stack', () => {
    expect(() => evaluateExpression('('.repeat(300) + '1' + ')'.repeat(300))).toThrow('nested too deeply');
  });

  it('is a tool with an object schema that returns the formatted value', async () => {
    const tool = createCalculatorTool();
    expect(tool.parameters).toMatchObject({ type: 'object', required: ['expression'] });
    expect(await tool.execute({ expression: '(3 + 4) * 2' }, { callId: 'c', sessionId: 's', chain: 0, turn: 1 })).toBe('14');
  });
});
