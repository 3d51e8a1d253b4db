import { REACT_AGENT_TOKENS, withAddedTokens, withAgentTokens } from './agent-tokens';

describe('withAddedTokens', () => {
  it('numbers new tokens after a vocabulary of Qwen size and the model rows beyond it', () => {
    // 151643 vocabulary ids, 22 added tokens, 151936 model rows: Qwen2.5's shape.
    const vocab = Object.fromEntries(Array.from({ length: 151643 }, (_, i) => [`t${i}`, i]));
    const added_tokens = Array.from({ length: 22 }, (_, i) => ({ id: 151643 + i, content: `<|s${i}|>`, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
    const json = { added_tokens, model: { vocab } };
    expect(withAgentTokens(json, { vocabSize: 151936 }).added).toEqual(REACT_AGENT_TOKENS.map((content, i) => ({ content, id: 151936 + i })));
    expect(withAgentTokens(json).added[0]).toEqual({ content: REACT_AGENT_TOKENS[0], id: 151665 });
    // A token the tokenizer has keeps its id; an array vocabulary (unigram) counts its entries.
    expect(withAddedTokens(json, ['<|s3|>', 'x']).added).toEqual([{ content: 'x', id: 151665 }]);
    expect(withAddedTokens({ model: { vocab: [['a', 0], ['b', 0]] as Array<[string, number]> } }, ['c']).added).toEqual([{ content: 'c', id: 2 }]);
  });
});
