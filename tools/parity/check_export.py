#!/usr/bin/env python3
"""Check a model exported by the native engine against transformers / peft.

The engine exports (a) a merged model directory (HF layout: config.json, model.safetensors or shards,
tokenizer files) and/or (b) a PEFT LoRA adapter directory (adapter_config.json +
adapter_model.safetensors). This script loads them with transformers / peft exactly as a user would,
runs the golden case inputs (tools/parity/golden/<model>/case.json: packed rows, 4D block-diagonal
mask, restarting position ids; for a sliding-window model transformers' own windowed mask, see
parity_common.forward), and compares the logits with what the engine says they should be.

Expected logits (--merged-expect / --adapter-expect):
    full            golden full.safetensors "logits"   (export of the unchanged base model)
    lora            golden lora.safetensors "logits"   (base + golden initial LoRA adapter, or its merge)
    PATH            a safetensors file with a "logits" tensor [B,T,V] written by the engine for the
                    same case inputs (e.g. after training), so the check is engine-vs-transformers on the
                    engine's own exported weights.

When both --merged and --adapter are given, the merged model's logits are also compared with
base+adapter logits (merge correctness), whatever the expectations.

Examples:
    # engine exported the trained model + adapter, and wrote its own logits for the golden case
    HF_HUB_OFFLINE=1 tools/parity/.venv/bin/python tools/parity/check_export.py \
        --golden tools/parity/golden/tiny-llama \
        --merged out/merged --merged-expect out/engine_logits.safetensors \
        --adapter out/adapter --adapter-expect out/engine_logits.safetensors
    # self test: the tiny model itself as the "export" (+ the golden initial adapter, + a peft merge)
    HF_HUB_OFFLINE=1 tools/parity/.venv/bin/python tools/parity/check_export.py --self-test

Exit status 0 when every comparison passes; the JSON report goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import parity_common as pc  # noqa: E402


def resolve(p: str | Path) -> Path:
    p = Path(p)
    if p.exists():
        return p
    if (pc.REPO / p).exists():
        return pc.REPO / p
    raise FileNotFoundError(p)


def expected_logits(spec: str, golden: Path) -> torch.Tensor:
    if spec in ("full", "lora"):
        return load_file(str(golden / f"{spec}.safetensors"))["logits"]
    return load_file(str(resolve(spec)))["logits"]


def compare(got: torch.Tensor, want: torch.Tensor, atol: float, rtol: float) -> dict:
    got = got.detach().float()
    want = want.float()
    if got.shape != want.shape:
        return {"ok": False, "error": f"shape {list(got.shape)} != expected {list(want.shape)}"}
    diff = (got - want).abs().max().item()
    scale = want.abs().max().item()
    argmax_agree = (got.argmax(-1) == want.argmax(-1)).float().mean().item()
    return {"ok": diff <= atol + rtol * scale, "max_abs_diff": diff, "max_abs_expected": scale,
            "argmax_agreement": argmax_agree}


def load_merged(path: Path):
    from transformers import AutoModelForCausalLM

    model, info = AutoModelForCausalLM.from_pretrained(
        str(path), attn_implementation="eager", dtype=torch.float32, output_loading_info=True)
    problems = {k: sorted(v) for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys",
                                                                      "mismatched_keys", "error_msgs")}
    return model, problems


def load_adapter(adapter: Path, base: Path | None):
    from peft import PeftModel

    cfg = json.loads((adapter / "adapter_config.json").read_text())
    base_path = resolve(base or cfg["base_model_name_or_path"])
    model = PeftModel.from_pretrained(pc.load_model(base_path), str(adapter))
    expected_keys = {n.replace(".default.", ".") for n, _ in model.named_parameters() if "lora_" in n}
    saved = set(load_file(str(adapter / "adapter_model.safetensors")).keys())
    problems = {}
    if saved != expected_keys:
        problems["missing_in_adapter"] = sorted(expected_keys - saved)
        problems["unexpected_in_adapter"] = sorted(saved - expected_keys)
    return model, problems, str(base_path)


def tokenizer_check(path: Path) -> dict:
    if not (path / "tokenizer.json").exists():
        return {"ok": False, "error": "no tokenizer.json in export"}
    tok = pc.load_tokenizer(path)
    text = "Thought: check\nAction: search\nAction Input: {\"q\": 1}"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    chat = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    return {"ok": tok.decode(ids) == text and chat.endswith("assistant\n"), "has_chat_template": True}


@torch.no_grad()
def logits_for(model, case: dict) -> torch.Tensor:
    model.eval()
    return pc.forward(model, pc.case_tensors(case), with_labels=False)["logits"]


def run(golden: Path, merged: Path | None, merged_expect: str | None, adapter: Path | None,
        base: Path | None, adapter_expect: str | None, atol: float, rtol: float) -> dict:
    case = json.loads((golden / "case.json").read_text())
    report: dict = {"golden": str(golden), "atol": atol, "rtol": rtol, "checks": {}}
    merged_logits = adapter_logits = None
    if merged is not None:
        model, problems = load_merged(merged)
        report["checks"]["merged_load"] = {"ok": not problems, **problems}
        report["checks"]["merged_tokenizer"] = tokenizer_check(merged)
        merged_logits = logits_for(model, case)
        if merged_expect:
            report["checks"]["merged_logits"] = compare(merged_logits, expected_logits(merged_expect, golden),
                                                        atol, rtol)
    if adapter is not None:
        model, problems, base_path = load_adapter(adapter, base)
        report["checks"]["adapter_load"] = {"ok": not problems, "base": base_path, **problems}
        adapter_logits = logits_for(model, case)
        if adapter_expect:
            report["checks"]["adapter_logits"] = compare(adapter_logits, expected_logits(adapter_expect, golden),
                                                         atol, rtol)
    if merged_logits is not None and adapter_logits is not None:
        report["checks"]["merged_vs_base_plus_adapter"] = compare(merged_logits, adapter_logits, atol, rtol)
    report["ok"] = bool(report["checks"]) and all(c["ok"] for c in report["checks"].values())
    return report


def self_test(atol: float, rtol: float) -> dict:
    """The tiny models themselves stand in for engine exports."""
    from peft import PeftModel

    reports = {}
    for name in pc.MODELS:
        golden = HERE / "golden" / name
        adapter = golden / "lora_adapter_init"
        reports[f"{name}/base_as_export"] = run(golden, pc.model_dir(name), "full", adapter, None, "lora", atol, rtol)
        # remove the merged-vs-adapter check (base is not the merge) -- it must fail, proving the check bites
        bites = reports[f"{name}/base_as_export"]["checks"].pop("merged_vs_base_plus_adapter")
        assert not bites["ok"], "merged-vs-adapter check failed to detect an unmerged model"
        reports[f"{name}/base_as_export"]["ok"] = all(c["ok"] for c in reports[f"{name}/base_as_export"]["checks"].values())
        with tempfile.TemporaryDirectory() as tmp:
            merged = PeftModel.from_pretrained(pc.load_model(name), str(adapter)).merge_and_unload()
            merged.save_pretrained(tmp)
            pc.load_tokenizer(name).save_pretrained(tmp)
            reports[f"{name}/peft_merge_as_export"] = run(golden, Path(tmp), "lora", adapter, None, "lora", atol, rtol)
    return {"ok": all(r["ok"] for r in reports.values()), "reports": reports}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", type=Path, help="golden dir, e.g. tools/parity/golden/tiny-llama")
    ap.add_argument("--merged", type=Path, help="merged model dir exported by the engine")
    ap.add_argument("--merged-expect", help="full | lora | path to safetensors with 'logits'")
    ap.add_argument("--adapter", type=Path, help="PEFT adapter dir exported by the engine")
    ap.add_argument("--base", type=Path, help="base model dir for --adapter (default: adapter_config's)")
    ap.add_argument("--adapter-expect", help="full | lora | path to safetensors with 'logits'")
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--rtol", type=float, default=1e-4, help="relative to max |expected logit|")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args(argv)
    pc.setup_determinism()
    if args.self_test:
        report = self_test(args.atol, args.rtol)
    else:
        if not args.golden or not (args.merged or args.adapter):
            ap.error("--golden and at least one of --merged / --adapter are required")
        report = run(resolve(args.golden), args.merged and resolve(args.merged), args.merged_expect,
                     args.adapter and resolve(args.adapter), args.base, args.adapter_expect, args.atol, args.rtol)
    print(json.dumps(report, indent=1))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
