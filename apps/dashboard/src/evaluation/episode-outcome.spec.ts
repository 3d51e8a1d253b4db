import type { Episode, StepComparison } from '../api/report-types';
import { episodePassed, stepFailure } from './episode-outcome';
import { verdict } from './metrics-table';

const step = (fields: Partial<StepComparison>): StepComparison => ({
  expected: { kind: 'tool_call', name: 'get_weather' },
  expectedLabel: 'get_weather',
  predictedLabel: 'get_weather',
  toolCorrect: true,
  argumentsCorrect: true,
  ...fields,
});
const episode = (steps: StepComparison[], extra: Partial<Episode> = {}): Episode => ({ example: 0, end: 'answer', turns: [], score: { steps }, ...extra });

describe('episode outcomes', () => {
  it('passes an episode whose every step and answer are right', () => {
    expect(episodePassed(episode([step({})], { score: { steps: [step({})], finalAnswerCorrect: true } }))).toBe(true);
  });

  it('fails a wrong tool, wrong arguments, a wrong answer or an unreadable generation, and says which', () => {
    const wrongTool = step({ predictedLabel: 'calculator', toolCorrect: false, argumentsCorrect: false });
    expect(episodePassed(episode([wrongTool]))).toBe(false);
    expect(stepFailure(wrongTool)).toBe('expected get_weather, got calculator');
    const wrongArguments = step({ argumentsCorrect: false });
    expect(stepFailure(wrongArguments)).toBe('right tool (get_weather), wrong arguments');
    expect(episodePassed(episode([step({})], { score: { steps: [step({})], finalAnswerCorrect: false } }))).toBe(false);
    expect(episodePassed(episode([], { turns: [{ raw: 'x', finishReason: 'length', action: 'invalid', error: 'no Action', calls: [] }] }))).toBe(false);
    expect(stepFailure(step({}))).toBeNull();
  });
});

describe('verdict', () => {
  it('reads higher as better except for losses and perplexity', () => {
    expect(verdict('tool_selection_accuracy', 0.1, 0.5)).toBe('better');
    expect(verdict('validation_loss', 2, 1.5)).toBe('better');
    expect(verdict('perplexity', 5, 6)).toBe('worse');
    expect(verdict('exact_match', 0.5, 0.5)).toBe('same');
    expect(verdict('bleu', undefined, 3)).toBeNull();
  });
});
