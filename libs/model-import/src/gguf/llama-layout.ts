import { ModelImportError } from '../errors';
import type { GgufFile, GgufTensorInfo } from './gguf-file';
import { llamaTensors } from '../llama-tensors';
import { MetadataReader } from './gguf-tokenizer';

/**
 * The Llama-family layout of a GGUF file: its config.json (from `<arch>.*` metadata) and, for each tensor, the
 * Hugging Face name and shape it has in a transformers checkpoint. Every tensor the config implies must be
 * there with that shape, and no other: a count or shape mismatch is refused by name.
 */
export interface TensorPlan {
  source: GgufTensorInfo;
  /** The Hugging Face (transformers) name. */
  name: string;
  /** Row-major shape, as safetensors and PyTorch spell it. */
  shape: number[];
  /**
   * Heads whose rows llama.cpp's converter interleaved for its rotary layout (Llama q_proj and k_proj): the
   * importer undoes it. Absent for every other tensor.
   */
  unpermuteHeads?: number;
}

export interface ModelLayout {
  config: Record<string, unknown>;
  tensors: TensorPlan[];
}

/** GGUF architecture → transformers class; llama.cpp writes Mistral models as `llama` too. */
const ARCHITECTURES: Record<string, { hf: string; modelType: string; qkvBias: boolean; qkNorm: boolean; permuteQK: boolean }> = {
  llama: { hf: 'LlamaForCausalLM', modelType: 'llama', qkvBias: false, qkNorm: false, permuteQK: true },
  qwen2: { hf: 'Qwen2ForCausalLM', modelType: 'qwen2', qkvBias: true, qkNorm: false, permuteQK: false },
  // llama.cpp converts Qwen3 with its Qwen2 converter: no q/k permutation; per-head q/k norms as attn_q_norm/attn_k_norm.
  qwen3: { hf: 'Qwen3ForCausalLM', modelType: 'qwen3', qkvBias: false, qkNorm: true, permuteQK: false },
};

const LIMITS = { layers: 512, hidden: 65536, intermediate: 262144, heads: 1024, vocab: 1 << 20, context: 1 << 24 };

export function planLlamaLayout(file: GgufFile, vocabSize: number, bosTokenId?: number, eosTokenId?: number): ModelLayout {
  const meta = new MetadataReader(file);
  const arch = meta.string('general.architecture');
  const family = ARCHITECTURES[arch];
  if (!family)
    throw new ModelImportError(file.label, 'metadata "general.architecture"',
      `architecture "${arch}" is not supported (supported: ${Object.keys(ARCHITECTURES).join(', ')})`);
  const layers = meta.int(`${arch}.block_count`, 1, LIMITS.layers);
  const hidden = meta.int(`${arch}.embedding_length`, 1, LIMITS.hidden);
  const intermediate = meta.int(`${arch}.feed_forward_length`, 1, LIMITS.intermediate);
  const heads = meta.int(`${arch}.attention.head_count`, 1, LIMITS.heads);
  const kvHeads = meta.optionalInt(`${arch}.attention.head_count_kv`, 1, heads) ?? heads;
  const headDim = meta.optionalInt(`${arch}.attention.key_length`, 2, LIMITS.hidden) ?? hidden / heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0)
    throw new ModelImportError(file.label, `metadata "${arch}.attention.head_count"`, `embedding_length ${hidden} / ${heads} heads is not an even head size`);
  if (heads % kvHeads !== 0)
    throw new ModelImportError(file.label, `metadata "${arch}.attention.head_count_kv"`, `${kvHeads} does not divide head_count ${heads}`);
  const valueDim = meta.optionalInt(`${arch}.attention.value_length`, 1, LIMITS.hidden) ?? headDim;
  if (valueDim !== headDim)
    throw new ModelImportError(file.label, `metadata "${arch}.attention.value_length"`, `${valueDim} differs from key_length ${headDim} (not supported)`);
  const ropeDims = meta.optionalInt(`${arch}.rope.dimension_count`, 1, LIMITS.hidden) ?? headDim;
  if (ropeDims !== headDim)
    throw new ModelImportError(file.label, `metadata "${arch}.rope.dimension_count"`, `${ropeDims}: partial rotary embeddings are not supported (expected ${headDim})`);
  const declaredVocab = meta.optionalInt(`${arch}.vocab_size`, 1, LIMITS.vocab) ?? vocabSize;
  if (declaredVocab !== vocabSize)
    throw new ModelImportError(file.label, `metadata "${arch}.vocab_size"`, `${declaredVocab} differs from the ${vocabSize} tokens of tokenizer.ggml.tokens`);
  const ropeScaling = ropeScalingOf(meta, arch, file);

  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const tied = !byName.has('output.weight');
  const dimensions = { layers, hidden, intermediate, heads, kvHeads, headDim, vocab: vocabSize, qkvBias: family.qkvBias, qkNorm: family.qkNorm, tied };
  const plans: TensorPlan[] = [];
  for (const expected of llamaTensors(dimensions)) {
    const source = byName.get(expected.ggufName);
    if (!source)
      throw new ModelImportError(file.label, `tensor ${expected.ggufName}`, `missing: ${arch} with ${layers} blocks needs it (the file has ${file.tensors.length} tensors)`);
    const ggufShape = [...source.dims].reverse();
    if (ggufShape.length !== expected.shape.length || ggufShape.some((d, i) => d !== expected.shape[i]))
      throw new ModelImportError(file.label, `tensor ${expected.ggufName}.dims`, `shape [${ggufShape.join(', ')}] (rows first), expected [${expected.shape.join(', ')}] from the metadata`);
    byName.delete(expected.ggufName);
    const unpermuteHeads = family.permuteQK && expected.rotary ? (expected.rotary === 'q' ? heads : kvHeads) : undefined;
    plans.push({ source, name: expected.name, shape: expected.shape, ...(unpermuteHeads ? { unpermuteHeads } : {}) });
  }
  // llama.cpp adds rope_freqs for Llama 3.1's scaled rotary embeddings, whose parameters GGUF does not keep.
  if (byName.has('rope_freqs.weight'))
    throw new ModelImportError(file.label, 'tensor rope_freqs.weight', 'Llama 3.1-style rope scaling (rope_freqs) is not supported by the GGUF import; import the Hugging Face directory instead');
  const extra = [...byName.keys()];
  if (extra.length > 0)
    throw new ModelImportError(file.label, `tensor ${extra[0]}`,
      `not part of a ${arch} model with ${layers} blocks (${extra.length} unexpected tensor${extra.length > 1 ? 's' : ''}): the tensor count does not match the metadata`);

  const config: Record<string, unknown> = {
    architectures: [family.hf],
    model_type: family.modelType,
    vocab_size: vocabSize,
    hidden_size: hidden,
    intermediate_size: intermediate,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    hidden_act: 'silu',
    max_position_embeddings: meta.optionalInt(`${arch}.context_length`, 1, LIMITS.context) ?? 2048,
    rms_norm_eps: meta.optionalFloat(`${arch}.attention.layer_norm_rms_epsilon`) ?? 1e-6,
    rope_theta: meta.optionalFloat(`${arch}.rope.freq_base`) ?? 10000,
    ...(ropeScaling ? { rope_scaling: ropeScaling } : {}),
    tie_word_embeddings: tied,
    attention_bias: family.qkvBias,
    mlp_bias: false,
    torch_dtype: 'float32',
    ...(bosTokenId !== undefined ? { bos_token_id: bosTokenId } : {}),
    ...(eosTokenId !== undefined ? { eos_token_id: eosTokenId } : {}),
  };
  return { config, tensors: plans };
}

function ropeScalingOf(meta: MetadataReader, arch: string, file: GgufFile): Record<string, unknown> | undefined {
  const type = meta.optionalString(`${arch}.rope.scaling.type`);
  if (type === undefined || type === 'none') return undefined;
  if (type !== 'linear')
    throw new ModelImportError(file.label, `metadata "${arch}.rope.scaling.type"`, `rope scaling "${type}" is not supported (none, linear)`);
  return { rope_type: 'linear', factor: meta.float(`${arch}.rope.scaling.factor`) };
}

/**
 * Undoes llama.cpp's rotary permutation of a q/k projection: per head, its converter stored HF row
 * `half * (d/2) + i` at row `2i + half`. `data` is the projection's `[heads * d, columns]` f32 data.
 */
export function unpermuteRotaryRows(data: Float32Array, heads: number, columns: number): Float32Array {
  return moveRotaryRows(data, heads, columns, 'to-huggingface');
}

/** llama.cpp's converter permutation, the inverse of unpermuteRotaryRows (for the GGUF export). */
export function permuteRotaryRows(data: Float32Array, heads: number, columns: number): Float32Array {
  return moveRotaryRows(data, heads, columns, 'to-llama-cpp');
}

function moveRotaryRows(data: Float32Array, heads: number, columns: number, direction: 'to-huggingface' | 'to-llama-cpp'): Float32Array {
  const rowsPerHead = data.length / columns / heads;
  const halfRows = rowsPerHead / 2;
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++)
    for (let half = 0; half < 2; half++)
      for (let i = 0; i < halfRows; i++) {
        const huggingFace = (h * rowsPerHead + half * halfRows + i) * columns;
        const llamaCpp = (h * rowsPerHead + 2 * i + half) * columns;
        const [from, to] = direction === 'to-huggingface' ? [llamaCpp, huggingFace] : [huggingFace, llamaCpp];
        out.set(data.subarray(from, from + columns), to);
      }
  return out;
}
