/**
 * Every tensor a Llama-family checkpoint of given dimensions has, with its Hugging Face name, its row-major
 * shape and the name llama.cpp gives it in GGUF. One list for both ways a model comes in: the GGUF import maps
 * names through it, and a Hugging Face directory's safetensors are checked against it.
 */
export interface LlamaDimensions {
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  /** Qwen2: q/k/v projections have biases. */
  qkvBias: boolean;
  /** Qwen3: a per-head RMSNorm of q and k before RoPE (weights of head_dim). */
  qkNorm?: boolean;
  /** The output projection is the embedding matrix (no lm_head / output.weight of its own). */
  tied: boolean;
}

export interface LlamaTensor {
  name: string;
  ggufName: string;
  shape: number[];
  /** q_proj / k_proj: llama.cpp's converter permutes their rows per head (for the Llama architecture). */
  rotary?: 'q' | 'k';
}

export function llamaTensors(d: LlamaDimensions): LlamaTensor[] {
  const q = d.heads * d.headDim;
  const kv = d.kvHeads * d.headDim;
  const tensors: LlamaTensor[] = [{ name: 'model.embed_tokens.weight', ggufName: 'token_embd.weight', shape: [d.vocab, d.hidden] }];
  for (let i = 0; i < d.layers; i++) {
    const h = `model.layers.${i}`;
    const b = `blk.${i}`;
    tensors.push(
      { name: `${h}.input_layernorm.weight`, ggufName: `${b}.attn_norm.weight`, shape: [d.hidden] },
      { name: `${h}.self_attn.q_proj.weight`, ggufName: `${b}.attn_q.weight`, shape: [q, d.hidden], rotary: 'q' },
      { name: `${h}.self_attn.k_proj.weight`, ggufName: `${b}.attn_k.weight`, shape: [kv, d.hidden], rotary: 'k' },
      { name: `${h}.self_attn.v_proj.weight`, ggufName: `${b}.attn_v.weight`, shape: [kv, d.hidden] },
    );
    if (d.qkvBias)
      tensors.push(
        { name: `${h}.self_attn.q_proj.bias`, ggufName: `${b}.attn_q.bias`, shape: [q] },
        { name: `${h}.self_attn.k_proj.bias`, ggufName: `${b}.attn_k.bias`, shape: [kv] },
        { name: `${h}.self_attn.v_proj.bias`, ggufName: `${b}.attn_v.bias`, shape: [kv] },
      );
    if (d.qkNorm)
      tensors.push(
        { name: `${h}.self_attn.q_norm.weight`, ggufName: `${b}.attn_q_norm.weight`, shape: [d.headDim] },
        { name: `${h}.self_attn.k_norm.weight`, ggufName: `${b}.attn_k_norm.weight`, shape: [d.headDim] },
      );
    tensors.push(
      { name: `${h}.self_attn.o_proj.weight`, ggufName: `${b}.attn_output.weight`, shape: [d.hidden, q] },
      { name: `${h}.post_attention_layernorm.weight`, ggufName: `${b}.ffn_norm.weight`, shape: [d.hidden] },
      { name: `${h}.mlp.gate_proj.weight`, ggufName: `${b}.ffn_gate.weight`, shape: [d.intermediate, d.hidden] },
      { name: `${h}.mlp.up_proj.weight`, ggufName: `${b}.ffn_up.weight`, shape: [d.intermediate, d.hidden] },
      { name: `${h}.mlp.down_proj.weight`, ggufName: `${b}.ffn_down.weight`, shape: [d.hidden, d.intermediate] },
    );
  }
  tensors.push({ name: 'model.norm.weight', ggufName: 'output_norm.weight', shape: [d.hidden] });
  if (!d.tied) tensors.push({ name: 'lm_head.weight', ggufName: 'output.weight', shape: [d.vocab, d.hidden] });
  return tensors;
}
