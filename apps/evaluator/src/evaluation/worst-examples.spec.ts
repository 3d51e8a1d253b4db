import type { ExampleOutput, ExampleReport } from './evaluation-report';
import { worstExamples } from './worst-examples';

const output = (metrics: ExampleOutput['metrics'], loss?: number): ExampleOutput => ({ reference: 'ref', output: 'out', finishReason: 'stop', tokens: 3, metrics, ...(loss !== undefined ? { loss } : {}) });
const example = (index: number, base: ExampleOutput, tuned: ExampleOutput): ExampleReport => ({ index, source: { file: 'v.jsonl', line: index + 1 }, prompt: `p${index}`, base, tuned });

describe('worstExamples', () => {
  it('ranks by the tuned model\'s token F1, lowest first, ties broken by the largest loss against the base model', () => {
    const examples = [
      example(0, output({ token_f1: 0.9, chrf: 50 }), output({ token_f1: 0.8, chrf: 40 })),
      example(1, output({ token_f1: 0.1 }), output({ token_f1: 0.2 })),
      example(2, output({ token_f1: 0.9 }), output({ token_f1: 0.2 })),
      example(3, output({ token_f1: 0.5 }), output({ token_f1: 1 })),
    ];
    expect(worstExamples(examples, 3).map((w) => [w.index, w.metric, w.base, w.tuned])).toEqual([
      [2, 'token_f1', 0.9, 0.2],
      [1, 'token_f1', 0.1, 0.2],
      [0, 'token_f1', 0.9, 0.8],
    ]);
  });

  it('falls back to the highest reference loss when no text metric was asked for', () => {
    const examples = [example(0, output({}, 2), output({}, 1.5)), example(1, output({}, 2), output({}, 3.25))];
    expect(worstExamples(examples, 5).map((w) => [w.index, w.metric, w.tuned])).toEqual([
      [1, 'loss', 3.25],
      [0, 'loss', 1.5],
    ]);
  });
});
