// Added tokens through export: the ReAct agent tokens grow the tiny model, the merged export's tokenizer
// knows them under the engine's ids, and the exported model reloads with the grown vocabulary.
import { Tokenizer } from '@huggingface/tokenizers';
import { REACT_AGENT_TOKENS, withAgentTokens } from '@tuneforge/datasets';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { Model } from './model';

const LLAMA = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

let tmp: string;
beforeAll(() => (tmp = mkdtempSync(join(tmpdir(), 'tuneforge-added-tokens-'))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('added tokens in exports', () => {
  it('writes the agent tokens into the merged export with the ids the engine grew', async () => {
    const model = await Model.load(LLAMA, { threads: 1 });
    const before = model.info().vocabSize;
    const source = readJson(join(LLAMA, 'tokenizer.json'));
    // Queued: the export sees the tokens added before it.
    const [added] = await Promise.all([model.addTokens(REACT_AGENT_TOKENS), model.saveMerged(join(tmp, 'queued'))]);
    expect(added.map((a) => a.content)).toEqual([...REACT_AGENT_TOKENS]);
    expect(added.map((a) => a.id)).toEqual(REACT_AGENT_TOKENS.map((_, i) => before + i));
    // The ids training data is tokenized with (libs/datasets) are the engine's.
    expect(withAgentTokens(source, { vocabSize: before }).added).toEqual(added);
    expect(withAgentTokens(source).added).toEqual(added);
    expect(model.info().vocabSize).toBe(before + added.length);

    const out = join(tmp, 'merged');
    await model.saveMerged(out);
    expect(readJson(join(out, 'config.json')).vocab_size).toBe(before + added.length);
    const manifest = readJson(join(out, 'manifest.json'));
    for (const [name, size] of Object.entries(manifest.files)) expect(statSync(join(out, name)).size).toBe(size);
    expect(readJson(join(tmp, 'queued', 'tokenizer.json'))).toEqual(readJson(join(out, 'tokenizer.json')));

    const tokenizerJson = readJson(join(out, 'tokenizer.json'));
    const tokenizerConfig = readJson(join(out, 'tokenizer_config.json'));
    expect(tokenizerJson.added_tokens.slice(0, source.added_tokens.length)).toEqual(source.added_tokens);
    const observation = added.find((a) => a.content === '\nObservation')!.id;
    expect(tokenizerJson.added_tokens).toContainEqual({
      id: observation,
      content: '\nObservation',
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: false,
    });
    expect(tokenizerConfig.added_tokens_decoder[String(observation)]).toEqual({
      content: '\nObservation',
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: false,
    });
    expect(tokenizerConfig.added_tokens_decoder['863'].content).toBe('<tool_call>');

    const hf = new Tokenizer(tokenizerJson, tokenizerConfig);
    const colon = new Tokenizer(source, readJson(join(LLAMA, 'tokenizer_config.json'))).encode(':', { add_special_tokens: false }).ids;
    expect(hf.encode('\nObservation', { add_special_tokens: false }).ids).toEqual([observation]);
    // The agent's stop sequence: the marker is one token, then the colon as before.
    expect(hf.encode('\nObservation:', { add_special_tokens: false }).ids).toEqual([observation, ...colon]);
    const completion = '\nThought: Do I need to use a tool? Yes.\nAction: calc\nAction Input: 1+1\nObservation:';
    const ids = hf.encode(completion, { add_special_tokens: false }).ids;
    for (const a of added.filter((t) => completion.includes(t.content + ':'))) expect(ids).toContain(a.id);
    expect(hf.decode(ids, { skip_special_tokens: false })).toBe(completion);
    expect(hf.decode([observation])).toBe('\nObservation');

    const probe = [[1, 451, ...added.map((a) => a.id), 201]];
    const logits = await model.forward(probe);
    const reloaded = await Model.load(out, { threads: 1 });
    expect(reloaded.info().vocabSize).toBe(before + added.length);
    const reloadedLogits = await reloaded.forward(probe);
    expect(reloadedLogits.length).toBe(logits.length);
    let maxDiff = 0;
    for (let i = 0; i < logits.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[i] - reloadedLogits[i]));
    expect(maxDiff).toBeLessThan(1e-5);

    // Adding the same tokens to the exported model finds them in its tokenizer and grows nothing.
    expect(await reloaded.addTokens(REACT_AGENT_TOKENS)).toEqual(added);
    expect(reloaded.info().vocabSize).toBe(before + added.length);
    reloaded.dispose();
    model.dispose();
  });

  it('rejects bad token lists and places named tokens after anonymous rows', async () => {
    const model = await Model.load(LLAMA, { threads: 1 });
    const before = model.info().vocabSize;
    await expect(model.addTokens([])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(model.addTokens(['a', 'a'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await model.addTokens(2);
    expect(await model.addTokens(['<x>', '<tool_call>'])).toEqual([
      { content: '<x>', id: before + 2 },
      { content: '<tool_call>', id: 863 },
    ]);
    expect(model.info().vocabSize).toBe(before + 3);
    await model.saveMerged(join(tmp, 'mixed'), { dtype: 'bfloat16' });
    const json = readJson(join(tmp, 'mixed', 'tokenizer.json'));
    expect(json.added_tokens.at(-1)).toMatchObject({ id: before + 2, content: '<x>' });
    expect(json.added_tokens.filter((t: { content: string }) => t.content === '<tool_call>')).toHaveLength(1);
    model.dispose();
  });
});
