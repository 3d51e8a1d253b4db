"""The GRPO goldens (make_grpo_golden.py) agree with the formula they claim, without torch.

Each config's loss, KL and clip ratios are recomputed in numpy from the committed per-token log-probs (policy,
old, reference: each sample's loss tokens in order) and advantages, and the advantages from the rewards; the
samples' masks are checked to train generated tokens only (never a segment's first token), and the gradient tensors
to cover every config with finite, non-zero values. The engine's side: libs/engine/src/grpo.spec.ts.

Run: python -m pytest tools/parity/test_grpo_golden.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

GOLDEN = Path(__file__).resolve().parent / "golden"
NAMES = ["tiny-llama", "tiny-qwen2"]


def advantages(rewards, group, scaling):
    r = np.asarray(rewards, dtype=np.float64)
    g = r.reshape(-1, group)
    mean = np.repeat(g.mean(axis=1), group)
    std = np.repeat(g.std(axis=1, ddof=1), group) if scaling != "batch" else np.full_like(r, r.std(ddof=1))
    return r - mean if scaling == "none" else (r - mean) / (std + 1e-4)


def loss_of(section):
    agg, beta, lo, hi = section["aggregation"], section["beta"], section["epsilon_low"], section["epsilon_high"]
    total, kl_sum, low, high, n = 0.0, 0.0, 0, 0, 0
    for i, lp in enumerate(section["policy_logps"]):
        lp = np.asarray(lp)
        old = np.asarray(section["old_logps"][i]) if section["old_logps"] else lp
        ref = np.asarray(section["reference_loss_logps"][i])
        a = section["advantages"][i]
        ratio = np.exp(lp - old)
        per = -np.minimum(ratio * a, np.clip(ratio, 1 - lo, 1 + hi) * a)
        kl = np.exp(ref - lp) - (ref - lp) - 1
        per = per + beta * kl
        total += per.sum() / max(lp.size, 1) if agg == "sequence" else per.sum()
        kl_sum += kl.sum()
        low += int(((ratio < 1 - lo) & (a < 0)).sum())
        high += int(((ratio > 1 + hi) & (a > 0)).sum())
        n += lp.size
    samples = len(section["policy_logps"])
    norm = {"sequence": samples, "token": n, "dr_grpo": samples * section["max_completion_length"]}[agg]
    return total / norm, kl_sum / n, low / n, high / n


@pytest.mark.parametrize("name", NAMES)
def test_grpo_golden_is_the_formula(name):
    case = json.loads((GOLDEN / name / "grpo.json").read_text())
    tensors = load_file(str(GOLDEN / name / "grpo.safetensors"))
    for seg in (seg for s in case["samples"] for seg in s["segments"]):
        assert len(seg["mask"]) == len(seg["tokens"]) and seg["mask"][0] == 0 and set(seg["mask"]) == {0, 1}
    for mode in ("full", "lora"):
        for key, section in case[mode]["configs"].items():
            np.testing.assert_allclose(section["advantages"], advantages(case["rewards"], case["group_size"], section["reward_scaling"]), atol=1e-5)
            loss, kl, low, high = loss_of(section)
            m = section["metrics"]
            assert abs(loss - m["loss"]) <= 1e-5 + 1e-5 * abs(m["loss"]), (mode, key, loss, m["loss"])
            assert abs(kl - m["kl"]) < 1e-6 and abs(low - m["clip_ratio/low_mean"]) < 1e-9 and abs(high - m["clip_ratio/high_mean"]) < 1e-9
            assert abs(section["trl_loss"] - m["loss"]) <= 1e-6 * max(1.0, abs(m["loss"]))
            grads = [v for k, v in tensors.items() if k.startswith(f"{mode}.{key}.grad.")]
            assert grads and all(np.isfinite(g).all() for g in grads) and any(np.abs(g).max() > 0 for g in grads)
