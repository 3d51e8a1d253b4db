"""The DPO goldens (make_dpo_golden.py) are complete and agree with the formula they claim, without torch.

The loss and TRL's metrics are recomputed here in numpy from the committed log-probs (TRL 1.16's sigmoid DPO loss;
the RPO term is alpha times the mean NLL of every chosen token, which needs the per-token log-probs, so for it only
the sigmoid part is recomputed and the total is checked to exceed it), the pairs are checked to be tool calls cut at
the end-of-turn token, and the gradient tensors to cover every trainable parameter with finite, non-zero values.
The engine's side is checked by native/tests/dpo_golden_test.cpp and libs/engine/src/dpo.spec.ts.

Run: python -m pytest tools/parity/test_dpo_golden.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
MODELS = HERE.parent / "tiny-model" / "models"
NAMES = ["tiny-llama", "tiny-qwen2"]


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0, -np.log1p(np.exp(-x)), x - np.log1p(np.exp(x)))


def metrics(policy: dict, ref: dict, beta: float) -> dict:
    c = beta * (np.array(policy["chosen"]) - np.array(ref["chosen"]))
    r = beta * (np.array(policy["rejected"]) - np.array(ref["rejected"]))
    return {
        "sigmoid_loss": float(-log_sigmoid(c - r).mean()),
        "rewards/chosen": float(c.mean()),
        "rewards/rejected": float(r.mean()),
        "rewards/margins": float((c - r).mean()),
        "rewards/accuracies": float((c > r).mean()),
        "logps/chosen": float(np.mean(policy["chosen"])),
        "logps/rejected": float(np.mean(policy["rejected"])),
    }


@pytest.mark.parametrize("name", NAMES)
def test_dpo_golden_consistent(name: str) -> None:
    case = json.loads((GOLDEN / name / "dpo.json").read_text())
    tok = json.loads((MODELS / name / "tokenizer.json").read_text())
    end = next(t["id"] for t in tok["added_tokens"] if t["content"] == "<|im_end|>")
    cfg = json.loads((MODELS / name / "config.json").read_text())
    for pair in case["pairs"]:
        assert pair["chosen_ids"] != pair["rejected_ids"]
        for key in ("chosen_ids", "rejected_ids"):
            assert pair[key][-1] == end and end not in pair[key][:-1]
            assert max(pair[key]) < cfg["vocab_size"]

    for section in ("full", "lora"):
        s = case[section]
        want = metrics(s["policy_logps"], s["ref_logps"], s["beta"])
        got = s["metrics"]
        for key, value in want.items():
            if key == "rewards/accuracies" and section == "full":
                continue  # policy == reference: every margin is 0 up to rounding, a tie either way
            assert abs(got[key] - value) < 1e-5 * max(1.0, abs(value)), (section, key, got[key], value)
        if s["rpo_alpha"] == 0:
            assert abs(got["loss"] - got["sigmoid_loss"]) < 1e-6
        else:
            assert got["loss"] > got["sigmoid_loss"] + 1.0  # alpha * mean chosen NLL (about 6.8 nats a token here)
    # LoRA's reference is the base: z differs from 0, so the LoRA golden exercises the sigmoid's slope.
    assert abs(case["lora"]["metrics"]["rewards/margins"]) > 1e-4

    tensors = load_file(str(GOLDEN / name / "dpo.safetensors"))
    weights = load_file(str(MODELS / name / "model.safetensors"))
    assert {k[len("full.grad."):] for k in tensors if k.startswith("full.grad.")} == set(weights)
    for k, w in weights.items():
        g = tensors[f"full.grad.{k}"]
        assert g.shape == w.shape and np.isfinite(g).all() and np.abs(g).max() > 0, k
    lora = [k for k in tensors if k.startswith("lora.grad.")]
    assert len(lora) == 2 * 7 * cfg["num_hidden_layers"]
    assert all(np.isfinite(tensors[k]).all() for k in lora)

    traj = case["trajectory_full"]
    assert len(traj["losses"]) == len(traj["grad_norms_before_clip"]) == len(traj["lrs"]) == traj["steps"]
    assert traj["final_loss"] < traj["losses"][0]
