"""Writes tiny GGUF files the way llama.cpp's converter does, for the GGUF import tests (libs/model-import).

- `--model DIR --type T --out FILE`: a Llama or Qwen2 Hugging Face directory (make_tiny_model.py's) as a GGUF
  file: `<arch>.*` metadata, the byte-level BPE tokenizer as `tokenizer.ggml.*` (pre-tokenizer `qwen2`, the
  split the tiny tokenizer uses), its chat template, Llama q/k rows permuted for llama.cpp's rotary layout, 2-D
  weights stored as T (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1; 1-D norms and biases stay F32 as in
  llama.cpp). `--drop-tensor NAME`, `--architecture NAME` and `--raw-type-tensor NAME=TYPE` write the broken files
  the bad-input tests need.
- `--dequantization-sample --out FILE`: for every type the importer reads, stored blocks (random values quantized
  by gguf-py; for Q4_K, Q5_K and Q6_K, which gguf-py cannot quantize to, random blocks with small scales) next
  to gguf-py's dequantization of them, as tensors `<type>` and `<type>.expected`.

Uses llama.cpp's own Python package (`gguf`): its writer, quantizers and dequantizers, no torch.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType, GGUFWriter, quants
from safetensors.numpy import load_file

TYPES = {t.name: t for t in GGMLQuantizationType}
ARCH = {"LlamaForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2", "Qwen3ForCausalLM": "qwen3"}


def permute(w: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp convert_hf_to_gguf.py LlamaModel.permute: per head, interleave the two rotary halves."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def gguf_tensor_names(layers: int) -> dict[str, str]:
    names = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight"}
    parts = {
        "input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
        "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
        "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
        "self_attn.q_proj.bias": "attn_q.bias", "self_attn.k_proj.bias": "attn_k.bias", "self_attn.v_proj.bias": "attn_v.bias",
        "self_attn.q_norm.weight": "attn_q_norm.weight", "self_attn.k_norm.weight": "attn_k_norm.weight",
        "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight",
    }
    for i in range(layers):
        for hf, gg in parts.items():
            names[f"model.layers.{i}.{hf}"] = f"blk.{i}.{gg}"
    return names


def write_model(model: Path, out: Path, qtype: str, architecture: str | None, drop: set[str], raw_types: dict[str, str]) -> None:
    cfg = json.loads((model / "config.json").read_text())
    tok = json.loads((model / "tokenizer.json").read_text())
    tok_cfg = json.loads((model / "tokenizer_config.json").read_text())
    arch = architecture or ARCH[cfg["architectures"][0]]
    w = GGUFWriter(str(out), arch)
    w.add_name(model.name)
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_rope_freq_base(cfg["rope_theta"])
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    if "head_dim" in cfg:
        w.add_key_length(cfg["head_dim"])
        w.add_value_length(cfg["head_dim"])

    # Tokenizer: the vocabulary by id (added tokens included), merges as "a b", special tokens as control.
    vocab = dict(tok["model"]["vocab"])
    for t in tok["added_tokens"]:
        vocab[t["content"]] = t["id"]
    size = cfg["vocab_size"]
    tokens = [f"[PAD{i}]" for i in range(size)]
    types = [5] * size  # unused, as llama.cpp's converter marks padding rows
    for text, i in vocab.items():
        tokens[i], types[i] = text, 1
    for t in tok["added_tokens"]:
        types[t["id"]] = 3 if t["special"] else 4
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]])
    w.add_bos_token_id(cfg["bos_token_id"])
    w.add_eos_token_id(cfg["eos_token_id"])
    w.add_pad_token_id(cfg["pad_token_id"])
    w.add_add_bos_token(False)
    w.add_chat_template(tok_cfg["chat_template"])

    names = gguf_tensor_names(cfg["num_hidden_layers"])
    weights = load_file(str(model / "model.safetensors"))
    for hf_name, data in weights.items():
        name = names[hf_name]
        if name in drop:
            continue
        data = data.astype(np.float32)
        if arch == "llama" and name.endswith("attn_q.weight"):
            data = permute(data, cfg["num_attention_heads"])
        if arch == "llama" and name.endswith("attn_k.weight"):
            data = permute(data, cfg["num_key_value_heads"])
        if name in raw_types:
            t = TYPES[raw_types[name]]
            block, size_ = quants.GGML_QUANT_SIZES[t]
            raw = np.zeros((data.shape[0], data.shape[1] // block * size_), dtype=np.uint8)
            w.add_tensor(name, raw, raw_dtype=t)
        elif data.ndim == 1 or qtype == "F32":
            w.add_tensor(name, data)
        else:
            t = TYPES[qtype]
            w.add_tensor(name, quants.quantize(data, t), raw_dtype=t)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_dequantization_sample(out: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    w = GGUFWriter(str(out), "llama")
    rows = 3
    for t in (GGMLQuantizationType.F16, GGMLQuantizationType.BF16, GGMLQuantizationType.Q8_0, GGMLQuantizationType.Q4_0,
              GGMLQuantizationType.Q4_1, GGMLQuantizationType.Q5_0, GGMLQuantizationType.Q5_1):
        raw = quants.quantize(rng.standard_normal((rows, 512)).astype(np.float32), t)
        w.add_tensor(t.name.lower(), raw.view(np.uint8), raw_dtype=t)
        w.add_tensor(f"{t.name.lower()}.expected", quants.dequantize(raw.view(np.uint8), t).astype(np.float32))
    for t in (GGMLQuantizationType.Q4_K, GGMLQuantizationType.Q5_K, GGMLQuantizationType.Q6_K):
        block, size = quants.GGML_QUANT_SIZES[t]
        raw = rng.integers(0, 256, size=(rows, 2 * size), dtype=np.uint8)
        scales = (rng.standard_normal((rows, 2, 2)) * 0.01).astype(np.float16).view(np.uint8).reshape(rows, 2, 4)
        for b in range(2):  # d and dmin lead a Q4_K/Q5_K block; Q6_K keeps its f16 d in the last two bytes
            if t == GGMLQuantizationType.Q6_K:
                raw[:, b * size + size - 2 : b * size + size] = scales[:, b, :2]
            else:
                raw[:, b * size : b * size + 4] = scales[:, b]
        w.add_tensor(t.name.lower(), raw, raw_dtype=t)
        w.add_tensor(f"{t.name.lower()}.expected", quants.dequantize(raw, t).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, help="Hugging Face model directory")
    ap.add_argument("--type", default="F32", choices=["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--architecture", help="general.architecture to write instead of the model's")
    ap.add_argument("--drop-tensor", action="append", default=[], help="GGUF tensor name to leave out")
    ap.add_argument("--raw-type-tensor", action="append", default=[], help="NAME=TYPE: store NAME as zero blocks of TYPE")
    ap.add_argument("--dequantization-sample", action="store_true", help="write the dequantization sample instead")
    args = ap.parse_args(argv)
    if args.dequantization_sample:
        write_dequantization_sample(args.out)
    else:
        raw = dict(item.split("=", 1) for item in args.raw_type_tensor)
        write_model(args.model, args.out, args.type, args.architecture, set(args.drop_tensor), raw)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
