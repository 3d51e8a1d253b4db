"""Independent numpy forward pass of the Llama / Qwen2 / Qwen3 / Mistral decoder as transformers computes it.

A readable specification for the engine (every convention spelled out in ~100 lines) that is checked
against the golden logits in test_parity.py (no torch needed). Float64 internally.

    logits, loss = forward(model_dir, input_ids, position_ids, segment_ids, labels, lora=None)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file


def load_weights(model_dir: Path) -> tuple[dict, dict[str, np.ndarray]]:
    model_dir = Path(model_dir)
    cfg = json.loads((model_dir / "config.json").read_text())
    idx = model_dir / "model.safetensors.index.json"
    files = sorted(set(json.loads(idx.read_text())["weight_map"].values())) if idx.exists() else ["model.safetensors"]
    w: dict[str, np.ndarray] = {}
    for f in files:
        w.update({k: v.astype(np.float64) for k, v in load_file(str(model_dir / f)).items()})
    if cfg.get("tie_word_embeddings"):
        w["lm_head.weight"] = w["model.embed_tokens.weight"]
    return cfg, w


def rope_inv_freq(cfg: dict) -> np.ndarray:
    d = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    inv = 1.0 / (cfg["rope_theta"] ** (np.arange(0, d, 2, dtype=np.int64).astype(np.float64) / d))
    rs = cfg.get("rope_scaling")
    if rs and rs.get("rope_type", rs.get("type")) == "llama3":
        factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        low_wavelen, high_wavelen = old / lo, old / hi
        # long wavelengths (low frequencies) are divided by factor, short ones kept, in between smoothed
        scaled = np.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wavelen >= high_wavelen) & (wavelen <= low_wavelen)
        inv = np.where(medium, smoothed, scaled)
    elif rs:
        raise NotImplementedError(rs)
    return inv


def apply_rope(x: np.ndarray, pos: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """x [T, H, d]; HF 'rotate_half' layout: pairs are (i, i + d/2), not adjacent elements."""
    ang = pos[:, None].astype(np.float64) * inv[None, :]  # [T, d/2]
    cos = np.concatenate([np.cos(ang), np.cos(ang)], -1)[:, None, :]
    sin = np.concatenate([np.sin(ang), np.sin(ang)], -1)[:, None, :]
    half = x.shape[-1] // 2
    rot = np.concatenate([-x[..., half:], x[..., :half]], -1)
    return x * cos + rot * sin


def sliding_window(cfg: dict) -> int | None:
    """Mistral windows every layer; Qwen2/Qwen3 only with use_sliding_window (not used by the tiny models)."""
    if cfg["model_type"] == "mistral":
        return cfg.get("sliding_window")
    if cfg.get("use_sliding_window"):
        raise NotImplementedError("use_sliding_window")
    return None


def rmsnorm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1 + np.exp(-x))


def linear(x, w, name, lora, bias=None):
    y = x @ w[name + ".weight"].T
    if bias is not None:
        y = y + bias
    if lora is not None:
        key = "base_model.model." + name
        if key + ".lora_A.weight" in lora["weights"]:
            a, b = lora["weights"][key + ".lora_A.weight"], lora["weights"][key + ".lora_B.weight"]
            y = y + lora["scaling"] * (x @ a.T) @ b.T
    return y


def forward_row(cfg, w, ids, pos, seg, lora=None) -> np.ndarray:
    T = len(ids)
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = cfg.get("head_dim") or cfg["hidden_size"] // nh
    eps = cfg["rms_norm_eps"]
    inv = rope_inv_freq(cfg)
    visible = np.tril(np.ones((T, T), bool)) & (seg[:, None] == seg[None, :])  # [q, k]
    window = sliding_window(cfg)
    if window is not None:  # Mistral: a query sees at most `window` keys, itself included
        visible &= np.arange(T)[:, None] - np.arange(T)[None, :] < window
    x = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rmsnorm(x, w[p + "input_layernorm.weight"], eps)
        qkv = []
        for n, heads in (("q_proj", nh), ("k_proj", nkv), ("v_proj", nkv)):
            name = p + "self_attn." + n
            qkv.append(linear(h, w, name, lora, w.get(name + ".bias")).reshape(T, heads, d))
        if cfg["model_type"] == "qwen3":  # RMSNorm of every q and k head over head_dim, before RoPE
            qkv[0] = rmsnorm(qkv[0], w[p + "self_attn.q_norm.weight"], eps)
            qkv[1] = rmsnorm(qkv[1], w[p + "self_attn.k_norm.weight"], eps)
        q, k, v = apply_rope(qkv[0], pos, inv), apply_rope(qkv[1], pos, inv), qkv[2]
        group = nh // nkv  # query head j uses kv head j // group
        out = np.empty((T, nh, d))
        for j in range(nh):
            s = q[:, j] @ k[:, j // group].T / math.sqrt(d)
            s = np.where(visible, s, -np.inf)
            s = np.exp(s - s.max(-1, keepdims=True))
            out[:, j] = (s / s.sum(-1, keepdims=True)) @ v[:, j // group]
        x = x + linear(out.reshape(T, nh * d), w, p + "self_attn.o_proj", lora)
        h = rmsnorm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = linear(h, w, p + "mlp.gate_proj", lora)
        u = linear(h, w, p + "mlp.up_proj", lora)
        x = x + linear(silu(g) * u, w, p + "mlp.down_proj", lora)
    x = rmsnorm(x, w["model.norm.weight"], eps)
    return x @ w["lm_head.weight"].T


def causal_lm_loss(logits: np.ndarray, labels: np.ndarray) -> float:
    lg, lb = logits[:, :-1], labels[:, 1:]
    m = lg.max(-1, keepdims=True)
    logz = (m + np.log(np.exp(lg - m).sum(-1, keepdims=True)))[..., 0]
    valid = lb != -100
    picked = np.take_along_axis(lg, np.where(valid, lb, 0)[..., None], -1)[..., 0]
    return float(((logz - picked) * valid).sum() / valid.sum())


def forward(model_dir, input_ids, position_ids, segment_ids, labels=None, lora=None):
    """lora: {"weights": {peft adapter name: array}, "scaling": alpha / r} or None."""
    cfg, w = load_weights(model_dir)
    if lora is not None:
        lora = {"weights": {k: v.astype(np.float64) for k, v in lora["weights"].items()}, "scaling": lora["scaling"]}
    logits = np.stack([forward_row(cfg, w, np.asarray(i), np.asarray(p), np.asarray(s), lora)
                       for i, p, s in zip(input_ids, position_ids, segment_ids)])
    loss = causal_lm_loss(logits, np.asarray(labels)) if labels is not None else None
    return logits, loss
