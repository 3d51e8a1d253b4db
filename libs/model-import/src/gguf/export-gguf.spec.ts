import { readSafetensors } from '@tuneforge/engine';
import { loadModelTokenizer } from '@tuneforge/datasets';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TinyGgufFixtures, toolsPython } from '../testing/tiny-gguf-fixtures';
import { exportGguf, writeModelfile } from './export-gguf';
import { readGgufFile } from './gguf-file';
import { importGguf } from './import-gguf';

const ROOT = resolve(__dirname, '../../../..');
const CHECKER = join(ROOT, 'tools/tiny-model/check_gguf_export.py');
const MODELS = join(ROOT, 'tools/tiny-model/models');

/**
 * The GGUF export checked without llama.cpp's binaries: llama.cpp's own Python package reads every file and finds
 * the bytes its converter would have written (tools/tiny-model/check_gguf_export.py), and the F32 file imports back
 * to the very model it came from. tools/parity/check_gguf_export.ts runs llama.cpp itself on SmolLM2.
 */
describe('GGUF export', () => {
  let fixtures: TinyGgufFixtures;
  const python = toolsPython();
  beforeAll(() => {
    fixtures = new TinyGgufFixtures();
  });
  afterAll(() => rmSync(fixtures.dir, { recursive: true, force: true }));

  const checkedByGgufPy = (file: string, model: string, type: string) =>
    execFileSync(python, [CHECKER, file, model, type], { encoding: 'utf8' }).trim();

  it.each([['f32', 'F32'], ['f16', 'F16'], ['q8_0', 'Q8_0']] as const)('writes %s as llama.cpp does: tensors, layout, vocabulary', async (type, ggml) => {
    const file = join(fixtures.dir, `export-${type}.gguf`);
    const result = await exportGguf(fixtures.model, file, type, 'tiny-smollm');
    expect(result).toMatchObject({ type, tensors: 20 });
    expect(checkedByGgufPy(file, fixtures.model, ggml)).toBe(`ok: 20 tensors as llama.cpp writes ${ggml}, 867 tokens, architecture llama`);
  });

  it('an F32 export imports back to the same weights, tokenizer and chat template', async () => {
    const file = join(fixtures.dir, 'round-trip.gguf');
    await exportGguf(fixtures.model, file, 'f32', 'tiny-smollm');
    const back = join(fixtures.dir, 'round-trip');
    await importGguf(file, back);
    const [original, imported] = await Promise.all([readSafetensors(join(fixtures.model, 'model.safetensors')), readSafetensors(join(back, 'model.safetensors'))]);
    for (const [name, tensor] of Object.entries(original)) expect({ name, same: Buffer.from(imported[name].data.buffer).equals(Buffer.from(tensor.data.buffer)) }).toEqual({ name, same: true });
    const [a, b] = await Promise.all([loadModelTokenizer(fixtures.model), loadModelTokenizer(back)]);
    const text = '<|im_start|>user\nWeather in Zürich, 21°C? Ünïcödé 12345<|im_end|>\n';
    expect(b.encode(text)).toEqual(a.encode(text));
    expect(b.chatTemplate(false)).toBe(a.chatTemplate(false));
    expect(b.eosToken).toBe(a.eosToken);
  });

  it('writes Llama 3.1 rope scaling as rope_freqs, Qwen2 (biases, padded vocabulary), Qwen3 (q/k norms), Mistral (window) and a Modelfile', async () => {
    const llama = join(fixtures.dir, 'tiny-llama.gguf');
    await exportGguf(join(MODELS, 'tiny-llama'), llama, 'f32', 'tiny-llama');
    expect(checkedByGgufPy(llama, join(MODELS, 'tiny-llama'), 'F32')).toBe('ok: 21 tensors as llama.cpp writes F32, 867 tokens, architecture llama');
    const freqs = (await readGgufFile(llama)).tensors.find((t) => t.name === 'rope_freqs.weight');
    expect(freqs?.dims).toEqual([8]);

    const qwen = join(fixtures.dir, 'tiny-qwen2.gguf');
    await exportGguf(join(MODELS, 'tiny-qwen2'), qwen, 'f16', 'tiny-qwen2');
    expect(checkedByGgufPy(qwen, join(MODELS, 'tiny-qwen2'), 'F16')).toBe('ok: 26 tensors as llama.cpp writes F16, 896 tokens, architecture qwen2');

    // Qwen3 (per-head q/k norms, head_dim apart from hidden/heads) and Mistral (its window caps the context).
    const qwen3 = join(fixtures.dir, 'tiny-qwen3.gguf');
    await exportGguf(join(MODELS, 'tiny-qwen3'), qwen3, 'f16', 'tiny-qwen3');
    expect(checkedByGgufPy(qwen3, join(MODELS, 'tiny-qwen3'), 'F16')).toBe('ok: 24 tensors as llama.cpp writes F16, 896 tokens, architecture qwen3');
    const back = join(fixtures.dir, 'tiny-qwen3-back');
    await importGguf(qwen3, back);
    expect(JSON.parse(readFileSync(join(back, 'config.json'), 'utf8'))).toMatchObject({ architectures: ['Qwen3ForCausalLM'], head_dim: 32, hidden_size: 64 });
    const mistral = join(fixtures.dir, 'tiny-mistral.gguf');
    await exportGguf(join(MODELS, 'tiny-mistral'), mistral, 'f32', 'tiny-mistral');
    expect((await readGgufFile(mistral)).metadata.get('llama.context_length')).toBe(6);

    await writeModelfile(fixtures.model, 'model-f16.gguf', join(fixtures.dir, 'Modelfile'));
    expect(readFileSync(join(fixtures.dir, 'Modelfile'), 'utf8')).toMatch(/^FROM \.\/model-f16\.gguf\nPARAMETER stop "<\|im_end\|>"\n$/m);
  });
});
