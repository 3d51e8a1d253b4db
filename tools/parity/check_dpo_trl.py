#!/usr/bin/env python3
"""TRL's own DPOTrainer against the committed DPO goldens (make_dpo_golden.py writes TRL's formula out in PyTorch).

For each model: a DPOTrainer (TRL 1.16, loss_type ["sigmoid", "sft"], loss_weights [1, rpo_alpha], beta as the
golden's, the base model as policy and a second copy as ref_model) computes `compute_loss` on the golden's pairs,
collated by TRL's DataCollatorForPreference; the loss and every parameter's gradient are compared with the golden's
`full` section. Only the full fine-tuning case: with a PEFT model that already has an adapter, TRL takes the initial
adapter as the reference, where the golden's LoRA case takes the base (the engine's LoRA adapters start with B = 0,
so for it the two are the same).

Measured (TRL 1.16.0, torch 2.15.0, transformers 5.23.0): the loss within 8.3e-5 of the golden (tiny-llama) and
8.0e-5 (tiny-qwen2), every gradient within 8.0e-5 and 1.6e-4 relative. That is TRL's own float noise: its policy pass
and its reference pass over the same weights give rewards of up to 2.8e-4 (log-probs 2.8e-3 nats apart) where the
formula has exactly 0 (the engine matches the golden within 7.5e-7 and 3.2e-6). Needs torch, transformers, peft and
trl (pip install trl into the parity venv). Prints one JSON line per model and exits 1 when a difference exceeds
1e-3. Run:
    HF_HUB_OFFLINE=1 ~/.cache/tuneforge/venv-parity/bin/python tools/parity/check_dpo_trl.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import parity_common as pc  # noqa: E402

MODELS = ["tiny-llama", "tiny-qwen2"]
TOLERANCE = 1e-3


def check(name: str) -> dict:
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer
    from trl.trainer.dpo_trainer import DataCollatorForPreference

    case = json.loads((HERE / "golden" / name / "dpo.json").read_text())
    golden = load_file(str(HERE / "golden" / name / "dpo.safetensors"))
    section = case["full"]
    tok = pc.load_tokenizer(name)
    model = pc.load_model(name)
    args = DPOConfig(
        output_dir=tempfile.mkdtemp(), beta=section["beta"], loss_type=["sigmoid", "sft"], loss_weights=[1.0, section["rpo_alpha"]],
        per_device_train_batch_size=len(case["pairs"]), report_to=[], use_cpu=True, max_length=None,
    )
    # The trainer wants a text dataset to prepare; the loss is computed on the golden's ids, collated by TRL.
    placeholder = Dataset.from_list([{"prompt": "hello", "chosen": " a", "rejected": " b"}])
    trainer = DPOTrainer(model=model, ref_model=pc.load_model(name), args=args, train_dataset=placeholder, processing_class=tok)
    collate = DataCollatorForPreference(pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else 0)
    batch = collate([{"prompt_ids": p["prompt_ids"], "chosen_ids": p["chosen_ids"], "rejected_ids": p["rejected_ids"]} for p in case["pairs"]])
    model.train()
    loss = trainer.compute_loss(model, batch)
    loss.backward()
    worst = 0.0
    for n, p in model.named_parameters():
        ref = golden[f"full.grad.{n}"]
        worst = max(worst, float(np.linalg.norm(p.grad.detach().numpy() - ref) / max(np.linalg.norm(ref), 1e-30)))
    metrics = {k: v[-1] for k, v in trainer._metrics["train"].items() if k.startswith(("rewards/", "logps/"))}
    return {
        "model": name,
        "trl_loss": loss.item(),
        "golden_loss": section["metrics"]["loss"],
        "loss_abs_diff": abs(loss.item() - section["metrics"]["loss"]),
        "worst_grad_rel_err": worst,
        "trl_metrics": metrics,
    }


def main() -> int:
    pc.setup_determinism()
    ok = True
    for name in MODELS:
        result = check(name)
        print(json.dumps(result))
        ok &= result["loss_abs_diff"] <= TOLERANCE and result["worst_grad_rel_err"] <= TOLERANCE
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
