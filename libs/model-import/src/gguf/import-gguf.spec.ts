import { Model, readSafetensors } from '@tuneforge/engine';
import { loadModelTokenizer } from '@tuneforge/datasets';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TinyGgufFixtures } from '../testing/tiny-gguf-fixtures';
import { dequantize } from './dequantize';
import { readGgufFile, readTensorBytes } from './gguf-file';
import { importGguf } from './import-gguf';

/** Text in several scripts, digits, code, whitespace runs and the chat markers: what tokenizer parity is checked on. */
const MULTILINGUAL = [
  'The quick brown fox jumps over the lazy dog.',
  'Thought: I need the weather.\nAction: get_weather\nAction Input: {"city": "Paris"}\nObservation: 21°C',
  'Größe, café, naïve — déjà vu; 12345 + 67.89 = 12413.89',
  'Привет, мир! Как дела?',
  '東京の天気は晴れです。北京今天下雨。',
  '안녕하세요 세계',
  'مرحبا بالعالم',
  'def f(x):\n    return x ** 2  # squares\n\n\n\tindent',
  '<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n',
  '   leading spaces and trailing   ',
  'emoji 🙂👍🏽 and symbols ∑∫√',
];

describe('GGUF import', () => {
  let fixtures: TinyGgufFixtures;
  let out: string;

  beforeAll(() => {
    fixtures = new TinyGgufFixtures();
  });
  afterAll(() => rmSync(fixtures.dir, { recursive: true, force: true }));

  it('turns an F32 GGUF back into the very model it was converted from: tensors, config, tokenizer and generations', async () => {
    out = join(fixtures.dir, 'imported-f32');
    const result = await importGguf(fixtures.gguf('tiny-f32'), out);
    expect(result).toMatchObject({ architecture: 'LlamaForCausalLM', parameters: 154112, sourceTypes: { F32: 20 } });

    const original = await readSafetensors(join(fixtures.model, 'model.safetensors'));
    const imported = await readSafetensors(join(out, 'model.safetensors'));
    expect(Object.keys(imported).sort()).toEqual(Object.keys(original).sort());
    for (const [name, tensor] of Object.entries(original)) {
      expect({ name, shape: imported[name].shape }).toEqual({ name, shape: tensor.shape });
      expect(Buffer.from(imported[name].data.buffer).equals(Buffer.from(tensor.data.buffer))).toBe(true);
    }

    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    const originalConfig = JSON.parse(readFileSync(join(fixtures.model, 'config.json'), 'utf8'));
    for (const key of ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim', 'tie_word_embeddings', 'rope_theta', 'bos_token_id', 'eos_token_id'])
      expect({ key, value: config[key] }).toEqual({ key, value: originalConfig[key] });

    const [originalTokenizer, importedTokenizer] = await Promise.all([loadModelTokenizer(fixtures.model), loadModelTokenizer(out)]);
    for (const text of MULTILINGUAL) expect({ text, ids: importedTokenizer.encode(text) }).toEqual({ text, ids: originalTokenizer.encode(text) });
    expect(importedTokenizer.eosToken).toBe(originalTokenizer.eosToken);
    expect(importedTokenizer.chatTemplate(false)).toBe(originalTokenizer.chatTemplate(false));

    const prompt = originalTokenizer.encode(MULTILINGUAL[1]);
    const [a, b] = await Promise.all([Model.load(fixtures.model, { threads: 1 }), Model.load(out, { threads: 1 })]);
    try {
      const [fromOriginal] = await a.generate([prompt], { maxNewTokens: 16 });
      const [fromImported] = await b.generate([prompt], { maxNewTokens: 16 });
      expect(fromImported.tokens).toEqual(fromOriginal.tokens);
      expect(fromImported.logprobs).toEqual(fromOriginal.logprobs);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it.each(['F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1'])('imports a %s GGUF: weights close to the original, the engine loads and runs it', async (type) => {
    const dir = join(fixtures.dir, `imported-${type}`);
    const result = await importGguf(fixtures.gguf(`tiny-${type}`, type), dir);
    expect(result.sourceTypes).toEqual({ F32: 5, [type]: 15 });
    const original = await readSafetensors(join(fixtures.model, 'model.safetensors'));
    const imported = await readSafetensors(join(dir, 'model.safetensors'));
    // q_proj went through the permutation and back: a wrong un-permutation moves whole rows, far past rounding.
    for (const name of ['model.embed_tokens.weight', 'model.layers.0.self_attn.q_proj.weight', 'model.layers.1.self_attn.k_proj.weight']) {
      const want = original[name].data;
      const got = imported[name].data;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect({ name, close: worst < (type.startsWith('Q4') ? 0.02 : 0.01) }).toEqual({ name, close: true });
    }
    const model = await Model.load(dir, { threads: 1 });
    try {
      const [generation] = await model.generate([[1, 2, 3]], { maxNewTokens: 4 });
      expect(generation.tokens).toHaveLength(4);
    } finally {
      model.dispose();
    }
  });

  it('dequantizes every supported type exactly as llama.cpp\'s gguf package does', async () => {
    const sample = await readGgufFile(fixtures.dequantizationSample());
    const byName = new Map(sample.tensors.map((t) => [t.name, t]));
    const checked: string[] = [];
    for (const tensor of sample.tensors) {
      if (tensor.name.endsWith('.expected')) continue;
      const expected = byName.get(`${tensor.name}.expected`)!;
      const want = dequantize(expected.type, await readTensorBytes(sample, expected), expected.elements);
      const got = dequantize(tensor.type, await readTensorBytes(sample, tensor), tensor.elements);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1e-3, Math.abs(want[i])));
      expect({ type: tensor.type.name, worst: worst <= 1e-6 }).toEqual({ type: tensor.type.name, worst: true });
      checked.push(tensor.type.name);
    }
    expect(checked.sort()).toEqual(['BF16', 'F16', 'Q4_0', 'Q4_1', 'Q4_K', 'Q5_0', 'Q5_1', 'Q5_K', 'Q6_K', 'Q8_0']);
  });
});
