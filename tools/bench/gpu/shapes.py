"""Model shapes of the GPU benchmark (random-initialised; only the shapes are the published models').

qwen2-0.5b / qwen2-1.5b: Qwen2-0.5B / Qwen2-1.5B (tied embeddings, q/k/v bias, GQA with 2 KV heads).
llama-1b: Llama-3.2-1B (tied, GQA with 8 KV heads, rope theta 500000, no llama3 rope scaling here).
"""

SHAPES = {
    "qwen2-0.5b": dict(model_type="qwen2", architectures=["Qwen2ForCausalLM"], hidden_size=896,
                       intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
                       vocab_size=151936, tie_word_embeddings=True, rope_theta=1000000.0, rms_norm_eps=1e-6,
                       max_position_embeddings=32768),
    "qwen2-1.5b": dict(model_type="qwen2", architectures=["Qwen2ForCausalLM"], hidden_size=1536,
                       intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
                       vocab_size=151936, tie_word_embeddings=True, rope_theta=1000000.0, rms_norm_eps=1e-6,
                       max_position_embeddings=32768),
    "llama-1b": dict(model_type="llama", architectures=["LlamaForCausalLM"], hidden_size=2048,
                     intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
                     vocab_size=128256, tie_word_embeddings=True, rope_theta=500000.0, rms_norm_eps=1e-5,
                     max_position_embeddings=8192),
}

LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def flops_per_token(shape: dict, params: int, mode: str, sample: int) -> float:
    """Model FLOPs per trained token: 6N for full fine-tuning (forward 2N, backward 4N), 4N for LoRA (no weight
    gradients of the frozen base), plus causal attention over packed samples of `sample` tokens (QK^T and PV,
    2 * 2 * heads * head_dim * sample / 2 per layer forward, times 3 with backward)."""
    head_dim = shape["hidden_size"] // shape["num_attention_heads"]
    dense = (6 if mode == "full" else 4) * params
    attn = 6 * shape["num_hidden_layers"] * shape["num_attention_heads"] * head_dim * sample
    return dense + attn
