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

Adapters with added tokens (--added-tokens OUT): OUT is what tools/parity/engine_added_tokens_adapter.ts
wrote: per tiny model (tiny-llama untied, tiny-qwen3 tied), the engine grew the ReAct agent tokens, trained a few
LoRA steps and saved its adapter (LoRA + modules_to_save embed_tokens/lm_head + tokenizer) and its own logits on a
prompt that uses the new tokens. The check loads the adapter as a peft user would: the adapter's tokenizer,
the unchanged base, `resize_token_embeddings(len(tokenizer))` (when the base pads its rows beyond its tokenizer, as
Qwen does, len(tokenizer) is short of the rows: then the adapter's rows), `PeftModel.from_pretrained`; the
tokenizer must give the engine's ids and the logits must be the engine's.

    node -r @swc-node/register tools/parity/engine_added_tokens_adapter.ts /tmp/added-tokens
    HF_HUB_OFFLINE=1 tools/parity/.venv/bin/python tools/parity/check_export.py --added-tokens /tmp/added-tokens

--write-peft-layout writes golden/peft_added_tokens.json: the tensor names and shapes and the modules_to_save
peft 0.21 itself saves for such adapters, which libs/engine/src/adapter-tokens.spec.ts checks the engine's
adapters against in CI (no torch there).

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
    saved = set(load_file(str(adapter / "adapter_model.safetensors")).keys())
    expected_keys = peft_saved_keys(model)
    problems = {}
    if saved != expected_keys:
        problems["missing_in_adapter"] = sorted(expected_keys - saved)
        problems["unexpected_in_adapter"] = sorted(saved - expected_keys)
    return model, problems, str(base_path)


def peft_saved_keys(model) -> set[str]:
    """The keys peft's own save_pretrained writes for this adapter: LoRA A/B and modules_to_save (without
    save_embedding_layers, whose resized-vocabulary heuristic would add the base layers as well)."""
    from peft import get_peft_model_state_dict

    return set(get_peft_model_state_dict(model, save_embedding_layers=False).keys())


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


# ----------------------------------------------------------------------------- adapters with added tokens

ADDED_TOKEN_MODELS = ["tiny-llama", "tiny-qwen3"]  # untied; tied with rows padded beyond its tokenizer
AGENT_TOKENS = 6  # REACT_AGENT_TOKENS (libs/datasets)
PEFT_LAYOUT = HERE / "golden" / "peft_added_tokens.json"
EMBED_KEY = "base_model.model.model.embed_tokens.weight"


def peft_added_tokens_layout(name: str, added: int = AGENT_TOKENS) -> dict:
    """What peft saves for a LoRA adapter (r 4, the 7 projections) on `name` grown by `added` rows, with the
    embeddings as modules_to_save: embed_tokens, + lm_head when untied; tied: ensure_weight_tying, without which
    peft's LM head stays the base's embedding while the input uses the saved copy."""
    from peft import LoraConfig, get_peft_model

    model = pc.load_model(name)
    tied = bool(model.config.tie_word_embeddings)
    rows = model.config.vocab_size + added
    model.resize_token_embeddings(rows)
    config = LoraConfig(r=pc.LORA_R, lora_alpha=pc.LORA_ALPHA, lora_dropout=0.0, target_modules=list(pc.TARGET_MODULES),
                        bias="none", task_type="CAUSAL_LM", ensure_weight_tying=tied,
                        modules_to_save=["embed_tokens"] if tied else ["embed_tokens", "lm_head"])
    peft_model = get_peft_model(model, config)
    from peft import get_peft_model_state_dict

    state = get_peft_model_state_dict(peft_model, save_embedding_layers=False)
    saved = peft_model.peft_config["default"].to_dict()
    return {
        "base": name,
        "tie_word_embeddings": tied,
        "added_rows": added,
        "rows": rows,
        "lora": {"r": pc.LORA_R, "lora_alpha": pc.LORA_ALPHA, "target_modules": list(pc.TARGET_MODULES)},
        "tensors": {k: list(v.shape) for k, v in sorted(state.items())},
        "adapter_config": {"modules_to_save": sorted(saved["modules_to_save"]),
                           "ensure_weight_tying": saved["ensure_weight_tying"]},
    }


def write_peft_layout() -> dict:
    layout = {"generated_by": "tools/parity/check_export.py --write-peft-layout", "versions": pc.versions(),
              "models": {name: peft_added_tokens_layout(name) for name in ADDED_TOKEN_MODELS}}
    pc.dump_json(PEFT_LAYOUT, layout)
    return {"ok": True, "written": str(PEFT_LAYOUT)}


@torch.no_grad()
def added_tokens_case(case_dir: Path, atol: float, rtol: float) -> dict:
    """One model of engine_added_tokens_adapter.ts's output, loaded the way peft's docs say for added tokens."""
    import warnings

    from peft import PeftModel
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    engine = json.loads((case_dir / "engine.json").read_text())
    adapter = case_dir / "adapter"
    checks: dict = {}
    tokenizer = AutoTokenizer.from_pretrained(str(adapter))
    ids = tokenizer(engine["prompt"], add_special_tokens=False)["input_ids"]
    new_ids = sorted({i for i in ids if i >= engine["base_vocab_size"]})
    checks["tokenizer_ids"] = {"ok": ids == engine["input_ids"] and len(new_ids) >= 3, "prompt_tokens": len(ids),
                               "added_token_ids_in_prompt": new_ids}
    with safe_open(str(adapter / "adapter_model.safetensors"), "pt") as f:
        rows = f.get_slice(EMBED_KEY).get_shape()[0]
    base = AutoModelForCausalLM.from_pretrained(engine["base"], attn_implementation="eager", dtype=torch.float32)
    base_rows = base.config.vocab_size
    resize = len(tokenizer) if len(tokenizer) == rows else rows
    base.resize_token_embeddings(resize)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PeftModel.from_pretrained(base, str(adapter))
    model.eval()
    noted = [str(w.message)[:200] for w in caught if "missing" in str(w.message).lower()
             or "unexpected" in str(w.message).lower() or "tie" in str(w.message).lower()]
    saved = set(load_file(str(adapter / "adapter_model.safetensors")).keys())
    expected = peft_saved_keys(model)
    checks["adapter_load"] = {
        "ok": saved == expected and not noted, "base_rows": base_rows, "adapter_rows": rows,
        "len_tokenizer": len(tokenizer), "resized_to": "len(tokenizer)" if resize == len(tokenizer) else "adapter rows",
        "modules_to_save": sorted(model.peft_config["default"].modules_to_save or []),
        "lm_head_tied_to_saved_embedding": model.get_output_embeddings().weight is model.get_input_embeddings().weight,
        "missing_in_adapter": sorted(expected - saved), "unexpected_in_adapter": sorted(saved - expected),
        "warnings": noted}
    want = torch.tensor(engine["logits"], dtype=torch.float32).unsqueeze(0)
    got = model(torch.tensor([ids])).logits
    checks["adapter_logits"] = compare(got, want, atol, rtol)
    with model.disable_adapter():
        untrained = compare(model(torch.tensor([ids])).logits, want, atol, rtol)
    checks["lora_trained"] = {"ok": not untrained["ok"], "max_abs_diff_without_adapter": untrained.get("max_abs_diff")}
    added = [t["id"] for t in engine["added"]]
    checks["adapter_logits"]["max_abs_diff_added_token_columns"] = (got[..., added] - want[..., added]).abs().max().item()
    # Without the saved modules the new rows are whatever the resize initialised: with transformers' default
    # (mean_resizing) close to the engine's mean rows, as LoRA leaves them; with a plain normal init far off,
    # which the comparison must see.
    for mean_resizing in (True, False):
        plain = AutoModelForCausalLM.from_pretrained(engine["base"], attn_implementation="eager", dtype=torch.float32)
        plain.resize_token_embeddings(rows, mean_resizing=mean_resizing)
        lora_only = PeftModel.from_pretrained(plain, str(adapter))
        for module in (lora_only.get_input_embeddings(), lora_only.get_output_embeddings()):
            if hasattr(module, "enable_adapters"):
                module.enable_adapters(False)
        lost = compare(lora_only(torch.tensor([ids])).logits, want, atol, rtol)
        key = "mean_resizing" if mean_resizing else "normal_init"
        checks.setdefault("without_modules_to_save", {"ok": True})[f"{key}_max_abs_diff"] = lost.get("max_abs_diff")
        if not mean_resizing:
            checks["without_modules_to_save"]["ok"] = not lost["ok"]
    return {"ok": all(c["ok"] for c in checks.values()), "checks": checks}


def added_tokens(out: Path, atol: float, rtol: float) -> dict:
    reports = {name: added_tokens_case(out / name, atol, rtol) for name in ADDED_TOKEN_MODELS}
    return {"atol": atol, "rtol": rtol, "ok": all(r["ok"] for r in reports.values()), "reports": reports}


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
    ap.add_argument("--added-tokens", type=Path, metavar="OUT",
                    help="check engine_added_tokens_adapter.ts's output (adapters that grew the vocabulary)")
    ap.add_argument("--write-peft-layout", action="store_true", help=f"write {PEFT_LAYOUT.relative_to(pc.REPO)}")
    args = ap.parse_args(argv)
    pc.setup_determinism()
    if args.self_test:
        report = self_test(args.atol, args.rtol)
    elif args.write_peft_layout:
        report = write_peft_layout()
    elif args.added_tokens:
        report = added_tokens(resolve(args.added_tokens), args.atol, args.rtol)
    else:
        if not args.golden or not (args.merged or args.adapter):
            ap.error("--golden and at least one of --merged / --adapter are required")
        report = run(resolve(args.golden), args.merged and resolve(args.merged), args.merged_expect,
                     args.adapter and resolve(args.adapter), args.base, args.adapter_expect, args.atol, args.rtol)
    print(json.dumps(report, indent=1))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
