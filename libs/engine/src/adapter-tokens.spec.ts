// PEFT adapters that stand alone after added tokens: the adapter of a LoRA run that grew the vocabulary holds
// the whole embedding (and LM head) as peft modules_to_save, under the names and shapes peft 0.21 itself saves
// (tools/parity/golden/peft_added_tokens.json, written by check_export.py --write-peft-layout; the torch-side
// parity, peft on the base against the engine's logits, is check_export.py --added-tokens), and the tokenizer
// with the added tokens; attached to a fresh base it is the trained model again.
import { Tokenizer } from '@huggingface/tokenizers';
import { REACT_AGENT_TOKENS } from '@tuneforge/datasets';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { LoraTargetModule, TrainConfig } from './config';
import { Model } from './model';
import { readSafetensors } from './safetensors';

const ROOT = resolve(__dirname, '../../..');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const EMBED = 'base_model.model.model.embed_tokens.weight';
const HEAD = 'base_model.model.lm_head.weight';

interface PeftLayout {
  tie_word_embeddings: boolean;
  rows: number;
  lora: { r: number; lora_alpha: number; target_modules: LoraTargetModule[] };
  tensors: Record<string, number[]>;
  adapter_config: { modules_to_save: string[]; ensure_weight_tying: boolean };
}
const LAYOUT = readJson(join(ROOT, 'tools/parity/golden/peft_added_tokens.json')) as { models: Record<string, PeftLayout> };

interface AddedTokenJson {
  id: number;
  content: string;
}

/**
 * The ids Python's `tokenizers` (Rust) gives a tokenizer.json's added tokens: a token of the model vocabulary
 * keeps its id, any other is numbered after the highest added id so far (or the vocabulary's size), whatever
 * id the file says. The engine's tokenizer files must give the ids it says under this rule too.
 */
function pythonTokenizersIds(json: { added_tokens: AddedTokenJson[]; model: { vocab: Record<string, number> } }): Map<string, number> {
  const vocab = json.model.vocab;
  const vocabSize = Object.keys(vocab).length;
  const ids = new Map<string, number>();
  let max = -1;
  for (const t of json.added_tokens) {
    if (ids.has(t.content)) continue;
    const id = vocab[t.content] ?? (max >= vocabSize ? max + 1 : vocabSize);
    ids.set(t.content, id);
    max = Math.max(max, id);
  }
  return ids;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
}

const leafNames = (modules: readonly string[]) => new Set(modules.map((m) => m.split('.').at(-1)));

let tmp: string;
beforeAll(() => (tmp = mkdtempSync(join(tmpdir(), 'tuneforge-adapter-tokens-'))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(['tiny-llama', 'tiny-qwen3'])('the LoRA adapter of %s after addTokens', (name) => {
  const layout = LAYOUT.models[name];
  const base = join(ROOT, 'tools/tiny-model/models', name);
  const trainConfig: TrainConfig = {
    mode: 'lora',
    lora: { r: layout.lora.r, alpha: layout.lora.lora_alpha, dropout: 0, targetModules: layout.lora.target_modules },
    lr: 1e-2,
    schedule: 'constant',
    totalSteps: 3,
    seed: 1,
  };
  const train = async (model: Model, rows: number[][], steps: number) => {
    const trainer = await model.createTrainer(trainConfig);
    for (let s = 0; s < steps; s++) {
      await trainer.accumulate({ inputIds: rows, labels: rows });
      await trainer.step();
    }
    trainer.dispose();
  };

  it('stands alone: peft modules_to_save, the tokenizer, and a fresh base plus the adapter is the trained model', async () => {
    const model = await Model.load(base, { threads: 1 });
    const before = model.info().vocabSize;
    const added = await model.addTokens(REACT_AGENT_TOKENS);
    expect(before + added.length).toBe(layout.rows);
    const id = (content: string) => added.find((a) => a.content === content)!.id;
    const rows = [[1, 451, id('\nThought'), 28, 300, id('\nAction'), 17, id('\nObservation'), 201, 9]];
    await train(model, rows, 3);
    const probe = [[1, 451, ...added.map((a) => a.id), 201]];
    const trained = await model.forward(probe);

    const adapter = join(tmp, name, 'adapter');
    await model.saveAdapter(adapter, name);
    expect(readdirSync(adapter).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
      'manifest.json',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    // peft's own names and shapes: LoRA A/B and the whole modules (tied: the same matrix under both names).
    const tensors = await readSafetensors(join(adapter, 'adapter_model.safetensors'));
    expect(Object.fromEntries(Object.entries(tensors).map(([key, t]) => [key, t.shape]))).toEqual(layout.tensors);
    if (layout.tie_word_embeddings) expect(tensors[HEAD].data).toEqual(tensors[EMBED].data);
    const config = readJson(join(adapter, 'adapter_config.json'));
    expect(config).toMatchObject({ peft_type: 'LORA', base_model_name_or_path: name, r: layout.lora.r, lora_alpha: layout.lora.lora_alpha, target_modules: layout.lora.target_modules });
    // peft writes the embedding's full path beside the name it was given; the modules are the same.
    expect(leafNames(config.modules_to_save)).toEqual(leafNames(layout.adapter_config.modules_to_save));
    expect(config.ensure_weight_tying ?? false).toBe(layout.adapter_config.ensure_weight_tying);

    // The tokenizer is the merged export's: the engine's ids, in the JS tokenizer and under Python's numbering.
    const merged = join(tmp, name, 'merged');
    await model.saveMerged(merged);
    for (const file of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'])
      expect(readJson(join(adapter, file))).toEqual(readJson(join(merged, file)));
    const tokenizerJson = readJson(join(adapter, 'tokenizer.json'));
    const tokenizer = new Tokenizer(tokenizerJson, readJson(join(adapter, 'tokenizer_config.json')));
    const python = pythonTokenizersIds(tokenizerJson);
    for (const a of added) {
      expect(tokenizer.encode(a.content, { add_special_tokens: false }).ids).toEqual([a.id]);
      expect(python.get(a.content)).toBe(a.id);
    }
    // Every row has a token (placeholders for rows the base's tokenizer does not name), so len(tokenizer) is
    // the adapter's rows: what peft's docs resize the base's embeddings to.
    const named = new Set([...Object.values(tokenizerJson.model.vocab as Record<string, number>), ...python.values()]);
    expect([named.size, Math.max(...named)]).toEqual([layout.rows, layout.rows - 1]);

    // A fresh base plus the adapter: the grown vocabulary, the trained model's logits.
    const attached = await Model.load(base, { threads: 1 });
    await attached.attachAdapter(adapter);
    expect(attached.info().vocabSize).toBe(layout.rows);
    expect(maxAbsDiff(await attached.forward(probe), trained)).toBeLessThan(1e-5);
    // Its tokens count as added: addTokens finds them, and training goes on from the adapter, whose own adapter
    // again carries the vocabulary and the same tokenizer.
    expect(await attached.addTokens(REACT_AGENT_TOKENS)).toEqual(added);
    expect(attached.info().vocabSize).toBe(layout.rows);
    await train(attached, rows, 1);
    const again = join(tmp, name, 'again');
    await attached.saveAdapter(again, name);
    const againTensors = await readSafetensors(join(again, 'adapter_model.safetensors'));
    expect(Object.fromEntries(Object.entries(againTensors).map(([key, t]) => [key, t.shape]))).toEqual(layout.tensors);
    expect(againTensors[EMBED].data).toEqual(tensors[EMBED].data);
    expect(readJson(join(again, 'tokenizer.json'))).toEqual(tokenizerJson);
    await attached.saveMerged(join(tmp, name, 'merged-again'));
    expect(readJson(join(tmp, name, 'merged-again', 'tokenizer.json'))).toEqual(tokenizerJson);
    for (const m of [model, attached]) m.dispose();
  });

  it('without added tokens holds the LoRA tensors only, as before', async () => {
    const model = await Model.load(base, { threads: 1 });
    await train(model, [[1, 451, 28, 300, 17, 201, 9]], 1);
    const adapter = join(tmp, name, 'plain');
    await model.saveAdapter(adapter, name);
    expect(readdirSync(adapter).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'manifest.json']);
    expect(readJson(join(adapter, 'adapter_config.json')).modules_to_save).toBeNull();
    const keys = Object.keys(await readSafetensors(join(adapter, 'adapter_model.safetensors'))).sort();
    expect(keys).toEqual(Object.keys(layout.tensors).filter((key) => key !== EMBED && key !== HEAD).sort());
    model.dispose();
  });
});

describe('an adapter whose tokenizer does not name its rows', () => {
  it('attaches with anonymous rows, which exports leave out of the tokenizer', async () => {
    const base = join(ROOT, 'tools/tiny-model/models/tiny-llama');
    const model = await Model.load(base, { threads: 1 });
    const before = model.info().vocabSize;
    await model.addTokens(2);
    await model.createTrainer({ mode: 'lora', lora: { r: 4, alpha: 8, targetModules: ['q_proj'] }, lr: 1e-2 }).then((t) => t.dispose());
    const adapter = join(tmp, 'anonymous');
    await model.saveAdapter(adapter);
    // The loaded dir's tokenizer, unchanged: it has no tokens for the two rows.
    expect(readJson(join(adapter, 'tokenizer.json'))).toEqual(readJson(join(base, 'tokenizer.json')));
    const attached = await Model.load(base, { threads: 1 });
    await attached.attachAdapter(adapter);
    expect(attached.info().vocabSize).toBe(before + 2);
    expect(await attached.addTokens(['<x>'])).toEqual([{ content: '<x>', id: before + 2 }]);
    for (const m of [model, attached]) m.dispose();
  });
});
