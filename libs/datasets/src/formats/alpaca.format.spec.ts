import { alpacaFormat } from './alpaca.format';

describe('alpacaFormat', () => {
  it('reports fields that are not strings, whatever they hold, instead of throwing (a property test found {toString: 0})', () => {
    const result = alpacaFormat.normalize({ instruction: { toString: 0 }, input: [], output: null }) as unknown as { issues?: Array<{ path: string }> };
    expect(JSON.stringify(result)).toContain('instruction');
    expect(JSON.stringify(result)).toContain('output');
  });
});
