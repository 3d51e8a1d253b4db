import { loadModelTokenizer, type ModelTokenizer } from '@tuneforge/datasets';
import { join } from 'node:path';
import { ChoiceText, type ChoiceDelta } from './choice-text';

const TINY_LLAMA = join(__dirname, '..', '..', '..', '..', 'tools/tiny-model/models/tiny-llama');

function run(tokenizer: ModelTokenizer, text: string, stops: string[]): { deltas: ChoiceDelta[]; choice: ChoiceText } {
  const choice = new ChoiceText(tokenizer, stops);
  const deltas = tokenizer.encode(text).map((token, index) => choice.push({ token, logprob: -index }));
  deltas.push(choice.finish());
  return { deltas, choice };
}

describe('ChoiceText', () => {
  let tokenizer: ModelTokenizer;
  beforeAll(async () => {
    tokenizer = await loadModelTokenizer(TINY_LLAMA);
  });

  it.each(['Hello world, this is a test.', 'Prix : 12 € — ça coûte ½ ✓ 🚀 done', '  leading spaces\n\nand\ttabs  '])('streams exactly the text the tokens decode to: %j', (text) => {
    const { deltas, choice } = run(tokenizer, text, []);
    expect(deltas.map((delta) => delta.text).join('')).toBe(tokenizer.decode(tokenizer.encode(text)));
    expect(choice.text).toBe(tokenizer.decode(tokenizer.encode(text)));
    expect(deltas.flatMap((delta) => delta.tokens.map((token) => token.token))).toEqual(tokenizer.encode(text));
  });

  it('cuts before the first stop string and never shows any of it, even split across tokens', () => {
    const { deltas, choice } = run(tokenizer, 'Thought: use it\nAction: calc\nObservation: 42 and more', ['\nObservation:', 'never']);
    const shown = deltas.map((delta) => delta.text);
    expect(shown.join('')).toBe('Thought: use it\nAction: calc');
    expect(choice.stop).toBe('\nObservation:');
    for (const [index] of shown.entries()) expect(shown.slice(0, index + 1).join('')).not.toMatch(/\n(O(b(s(e(r)?)?)?)?)?$/);
  });

  it('gives each token out with the text it completes, and the ones that ran into the stop string', () => {
    const { deltas } = run(tokenizer, 'abc STOP def', ['STOP']);
    const tokens = deltas.flatMap((delta) => delta.tokens);
    const text = tokenizer.decode(tokens.map((token) => token.token));
    expect(text.startsWith('abc ')).toBe(true);
    expect(text).not.toContain('def');
    expect(tokens.map((token) => token.logprob)).toEqual(tokens.map((_, index) => -index));
  });

  it('shows held-back text once the sequence ends without the stop string', () => {
    const { deltas } = run(tokenizer, 'ends with \nObs', ['\nObservation:']);
    expect(deltas.at(-1)?.text).toBe('\nObs');
    expect(deltas.map((delta) => delta.text).join('')).toBe('ends with \nObs');
  });
});
