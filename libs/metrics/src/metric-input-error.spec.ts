import { corpusBleu, corpusChrf, exactMatch, MetricInputError, sentenceBleu, sentenceRouge, tokenF1 } from './index';

function thrown(run: () => unknown): MetricInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof MetricInputError) return error;
    throw error;
  }
  throw new Error('expected a MetricInputError');
}

describe('invalid input is refused with the argument named', () => {
  it('a corpus needs one reference list per hypothesis', () => {
    const error = thrown(() => corpusBleu(['a', 'b'], [['a']]));
    expect(error.field).toBe('references');
    expect(error.message).toBe('references: expected an array of 2 reference lists (one per hypothesis), got an array of length 1');
  });

  it('an empty corpus has no score', () => {
    expect(thrown(() => corpusChrf([], [])).field).toBe('hypotheses');
  });

  it('each hypothesis needs at least one reference, and references must be strings', () => {
    expect(thrown(() => sentenceBleu('a', [])).field).toBe('references');
    expect(thrown(() => corpusBleu(['a', 'b'], [['a'], ['b', 3 as unknown as string]])).field).toBe('references[1][1]');
    expect(thrown(() => tokenF1(undefined as unknown as string, ['x'])).message).toBe('hypothesis: expected a string, got undefined');
  });

  it('unknown options are refused rather than ignored', () => {
    expect(thrown(() => sentenceBleu('a', ['a'], { smoothMethod: 'laplace' as never })).field).toBe('options.smoothMethod');
    expect(thrown(() => sentenceRouge('a', ['a'], { types: ['rougeW' as never] })).field).toBe('options.types[0]');
    expect(thrown(() => exactMatch('a', ['a'], { normalize: 'lower' as never })).field).toBe('options.normalize');
  });
});
