import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelImportError } from '../errors';
import { readLlamaDimensions, safetensorsFiles } from '../hf/validate-hf-directory';
import { readSafetensorsHeader, readTensorF32, type SafetensorsHeader } from '../hf/safetensors-file';
import { llamaTensors } from '../llama-tensors';
import { ggufPreTokenizerName } from './gguf-tokenizer';
import { writeGgufFile, type GgufMetadataValue, type GgufTensorToWrite } from './gguf-writer';
import { permuteRotaryRows } from './llama-layout';
import { toF16, toQ8_0 } from './quantize';

/** The weight types the export writes; 1-D tensors (norms, biases) stay F32 whatever the type, as llama.cpp keeps them. */
export const GGUF_EXPORT_TYPES = ['f32', 'f16', 'q8_0'] as const;
export type GgufExportType = (typeof GGUF_EXPORT_TYPES)[number];
const GGML = { f32: 0, f16: 1, q8_0: 8 } as const;

const ARCHITECTURES: Record<string, { arch: string; permuteQK: boolean }> = {
  LlamaForCausalLM: { arch: 'llama', permuteQK: true },
  MistralForCausalLM: { arch: 'llama', permuteQK: true },
  Qwen2ForCausalLM: { arch: 'qwen2', permuteQK: false },
  Qwen3ForCausalLM: { arch: 'qwen3', permuteQK: false },
};

export interface GgufExportResult {
  file: string;
  type: GgufExportType;
  tensors: number;
  bytes: number;
}

/**
 * Writes a Hugging Face model directory (a merged fine-tuned model) as a GGUF file llama.cpp and Ollama load:
 * `<arch>.*` hyperparameters, the byte-level BPE tokenizer as `tokenizer.ggml.*` (tokens by id, token types,
 * merges, the pre-tokenizer's llama.cpp name), special token ids, the chat template, and the weights in `type`
 * with q/k rows permuted into llama.cpp's rotary layout (the inverse of the import). Llama 3.1 rope scaling is
 * written as llama.cpp's `rope_freqs` tensor.
 */
export async function exportGguf(dir: string, outFile: string, type: GgufExportType, name: string): Promise<GgufExportResult> {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown> & { architectures: string[] };
  const family = ARCHITECTURES[config.architectures?.[0]];
  if (!family) throw new ModelImportError('config.json', 'architectures', `${JSON.stringify(config.architectures?.[0] ?? null)} cannot be exported as GGUF (supported: ${Object.keys(ARCHITECTURES).join(', ')})`);
  const d = await readLlamaDimensions(dir);
  const metadata = new Map<string, GgufMetadataValue>();
  const u32 = (key: string, value: number) => metadata.set(key, { type: 'u32', value });
  const f32 = (key: string, value: number) => metadata.set(key, { type: 'f32', value });
  const { arch } = family;
  metadata.set('general.architecture', { type: 'string', value: arch });
  metadata.set('general.name', { type: 'string', value: name });
  u32('general.file_type', { f32: 0, f16: 1, q8_0: 7 }[type]);
  // llama.cpp's llama architecture has no sliding window: within a context no longer than the window, full
  // attention is the window's attention, so the context is capped there (Mistral).
  const window = typeof config.sliding_window === 'number' && config.sliding_window > 0 ? config.sliding_window : Infinity;
  u32(`${arch}.context_length`, Math.min(numberOr(config.max_position_embeddings, 2048), window));
  u32(`${arch}.embedding_length`, d.hidden);
  u32(`${arch}.feed_forward_length`, d.intermediate);
  u32(`${arch}.block_count`, d.layers);
  u32(`${arch}.attention.head_count`, d.heads);
  u32(`${arch}.attention.head_count_kv`, d.kvHeads);
  u32(`${arch}.attention.key_length`, d.headDim);
  u32(`${arch}.attention.value_length`, d.headDim);
  u32(`${arch}.rope.dimension_count`, d.headDim);
  u32(`${arch}.vocab_size`, d.vocab);
  f32(`${arch}.rope.freq_base`, numberOr(config.rope_theta, 10000));
  f32(`${arch}.attention.layer_norm_rms_epsilon`, numberOr(config.rms_norm_eps, 1e-6));
  const ropeFactors = ropeScaling(config, metadata, arch, d.headDim);
  await tokenizerMetadata(dir, d.vocab, metadata);

  const shards = await Promise.all((await safetensorsFiles(dir, await readdir(dir))).map((file) => readSafetensorsHeader(join(dir, file), file)));
  const headerOf = (tensorName: string): SafetensorsHeader => {
    const header = shards.find((s) => s.tensors.has(tensorName));
    if (!header) throw new ModelImportError('model.safetensors', `tensor ${tensorName}`, 'missing');
    return header;
  };
  const tensors: GgufTensorToWrite[] = [];
  for (const tensor of llamaTensors(d)) {
    const rows = tensor.shape[0];
    const columns = tensor.shape[1] ?? 1;
    const wanted = tensor.shape.length === 1 ? 'f32' : type === 'q8_0' && columns % 32 !== 0 ? 'f16' : type;
    const elements = rows * columns;
    const byteLength = wanted === 'f32' ? elements * 4 : wanted === 'f16' ? elements * 2 : (elements / 32) * 34;
    const heads = family.permuteQK && tensor.rotary ? (tensor.rotary === 'q' ? d.heads : d.kvHeads) : undefined;
    tensors.push({
      name: tensor.ggufName,
      shape: tensor.shape,
      ggmlType: GGML[wanted],
      byteLength,
      produce: async () => {
        let values = await readTensorF32(headerOf(tensor.name), tensor.name);
        if (heads) values = permuteRotaryRows(values, heads, columns);
        return wanted === 'f32' ? Buffer.from(values.buffer, values.byteOffset, values.byteLength) : wanted === 'f16' ? toF16(values) : toQ8_0(values);
      },
    });
  }
  if (ropeFactors) {
    const bytes = Buffer.from(ropeFactors.buffer);
    tensors.push({ name: 'rope_freqs.weight', shape: [ropeFactors.length], ggmlType: 0, byteLength: bytes.length, produce: async () => bytes });
  }
  await writeGgufFile(outFile, metadata, tensors);
  return { file: outFile, type, tensors: tensors.length, bytes: (await stat(outFile)).size };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Linear scaling as metadata; Llama 3.1's as llama.cpp's per-frequency factors (its converter's formula). */
function ropeScaling(config: Record<string, unknown>, metadata: Map<string, GgufMetadataValue>, arch: string, headDim: number): Float32Array | undefined {
  const scaling = config.rope_scaling as Record<string, number | string> | null | undefined;
  if (!scaling) return undefined;
  const kind = String(scaling.rope_type ?? scaling.type ?? 'default');
  if (kind === 'default') return undefined;
  if (kind === 'linear') {
    metadata.set(`${arch}.rope.scaling.type`, { type: 'string', value: 'linear' });
    metadata.set(`${arch}.rope.scaling.factor`, { type: 'f32', value: Number(scaling.factor) });
    return undefined;
  }
  if (kind !== 'llama3') throw new ModelImportError('config.json', 'rope_scaling', `rope scaling "${kind}" cannot be exported as GGUF (linear, llama3)`);
  const base = numberOr(config.rope_theta, 10000);
  const factor = Number(scaling.factor ?? 8);
  const low = Number(scaling.low_freq_factor ?? 1);
  const high = Number(scaling.high_freq_factor ?? 4);
  const original = Number(scaling.original_max_position_embeddings ?? 8192);
  const factors = new Float32Array(headDim / 2);
  for (let i = 0; i < headDim / 2; i++) {
    const frequency = 1 / base ** ((2 * i) / headDim);
    const wavelength = (2 * Math.PI) / frequency;
    if (wavelength < original / high) factors[i] = 1;
    else if (wavelength > original / low) factors[i] = factor;
    else {
      const smooth = (original / wavelength - low) / (high - low);
      factors[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return factors;
}

async function tokenizerMetadata(dir: string, vocabSize: number, metadata: Map<string, GgufMetadataValue>): Promise<void> {
  const tokenizer = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as {
    model?: { type?: string; vocab?: Record<string, number>; merges?: Array<string | [string, string]> };
    added_tokens?: Array<{ id: number; content: string; special: boolean }>;
    pre_tokenizer?: unknown;
  };
  if (tokenizer.model?.type !== 'BPE' || !tokenizer.model.vocab || !tokenizer.model.merges)
    throw new ModelImportError('tokenizer.json', 'model.type', `${JSON.stringify(tokenizer.model?.type ?? null)}: only byte-level BPE tokenizers can be exported as GGUF yet`);
  const pre = ggufPreTokenizerName(tokenizer.pre_tokenizer);
  if (!pre) throw new ModelImportError('tokenizer.json', 'pre_tokenizer', 'its split rules match none llama.cpp knows by name (gpt2, smollm, llama-bpe, qwen2)');
  const tokens: string[] = Array.from({ length: vocabSize }, (_, i) => `[PAD${i}]`);
  const types: number[] = new Array(vocabSize).fill(5); // unused: rows past the tokenizer, as llama.cpp's converter marks them
  for (const [text, id] of Object.entries(tokenizer.model.vocab)) if (id < vocabSize) { tokens[id] = text; types[id] = 1; }
  for (const t of tokenizer.added_tokens ?? []) if (t.id < vocabSize) { tokens[t.id] = t.content; types[t.id] = t.special ? 3 : 4; }
  metadata.set('tokenizer.ggml.model', { type: 'string', value: 'gpt2' });
  metadata.set('tokenizer.ggml.pre', { type: 'string', value: pre });
  metadata.set('tokenizer.ggml.tokens', { type: 'string[]', value: tokens });
  metadata.set('tokenizer.ggml.token_type', { type: 'i32[]', value: types });
  metadata.set('tokenizer.ggml.merges', { type: 'string[]', value: tokenizer.model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m)) });

  const config = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8').catch(() => '{}')) as Record<string, unknown>;
  const idOf = (value: unknown): number | undefined => {
    const text = typeof value === 'string' ? value : (value as { content?: string } | null)?.content;
    const id = text === undefined ? -1 : tokens.indexOf(text);
    return id >= 0 ? id : undefined;
  };
  for (const [key, field] of [['bos', 'bos_token'], ['eos', 'eos_token'], ['unknown', 'unk_token'], ['padding', 'pad_token']] as const) {
    const id = idOf(config[field]);
    if (id !== undefined) metadata.set(`tokenizer.ggml.${key}_token_id`, { type: 'u32', value: id });
  }
  metadata.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: config.add_bos_token === true });
  metadata.set('tokenizer.ggml.add_eos_token', { type: 'bool', value: config.add_eos_token === true });
  const template = await readFile(join(dir, 'chat_template.jinja'), 'utf8').catch(() => (typeof config.chat_template === 'string' ? config.chat_template : undefined));
  if (template) metadata.set('tokenizer.chat_template', { type: 'string', value: template });
}

/**
 * An Ollama Modelfile for the exported file: `FROM` it, and stop at the model's end-of-turn tokens (Ollama takes
 * the chat template from the GGUF's `tokenizer.chat_template`).
 */
export async function writeModelfile(dir: string, ggufFileName: string, outFile: string): Promise<void> {
  const config = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8').catch(() => '{}')) as Record<string, unknown>;
  const eos = typeof config.eos_token === 'string' ? config.eos_token : (config.eos_token as { content?: string } | undefined)?.content;
  const lines = [`# Ollama: ollama create <name> -f Modelfile (in this directory)`, `FROM ./${ggufFileName}`];
  if (eos) lines.push(`PARAMETER stop ${JSON.stringify(eos)}`);
  await writeFile(outFile, `${lines.join('\n')}\n`);
}
