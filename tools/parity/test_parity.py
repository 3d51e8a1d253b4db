"""Tests for the golden files and the parity tools.

The first group needs only numpy + safetensors (same deps as tools/tiny-model) and checks that the committed
golden files are complete and self-consistent. The second group needs torch/transformers/peft
(tools/parity/.venv) and is skipped without them.

Run: python -m pytest tools/parity -q            (golden consistency only)
     tools/parity/.venv/bin/python -m pytest tools/parity -q   (everything)
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
GOLDEN = HERE / "golden"
MODELS_DIR = REPO / "tools" / "tiny-model" / "models"
NAMES = ["tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-mistral"]
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def np_loss(logits: np.ndarray, labels: np.ndarray) -> float:
    """Reference reduction, written out: shift by one, ignore -100, mean over all remaining tokens."""
    lg = logits[:, :-1].astype(np.float64)
    lb = labels[:, 1:]
    m = lg.max(-1, keepdims=True)
    logz = (m + np.log(np.exp(lg - m).sum(-1, keepdims=True)))[..., 0]
    valid = lb != -100
    picked = np.take_along_axis(lg, np.where(valid, lb, 0)[..., None], -1)[..., 0]
    return float(((logz - picked) * valid).sum() / valid.sum())


@pytest.mark.parametrize("name", NAMES)
def test_golden_complete_and_consistent(name: str) -> None:
    g = GOLDEN / name
    case = json.loads((g / "case.json").read_text())
    cfg = json.loads((MODELS_DIR / name / "config.json").read_text())
    weights = load_file(str(MODELS_DIR / name / "model.safetensors"))
    B, T, V = case["batch_size"], case["seq_len"], cfg["vocab_size"]
    ids, labels = np.array(case["input_ids"]), np.array(case["labels"])
    assert ids.shape == labels.shape == (B, T) == np.array(case["position_ids"]).shape
    assert ids.max() < V

    # packing: positions restart at every boundary, boundaries tile the row, first label of each sample masked
    for b in range(B):
        bounds = case["sample_boundaries"][b]
        assert bounds[0][0] == 0 and bounds[-1][1] == T
        for s, (a, e) in enumerate(bounds):
            assert case["position_ids"][b][a:e] == list(range(e - a))
            assert case["segment_ids"][b][a:e] == [s] * (e - a)
            if a > 0:
                assert case["labels"][b][a] == -100
    assert len(case["sample_boundaries"][1]) > 1

    full = load_file(str(g / "full.safetensors"))
    assert full["logits"].shape == (B, T, V) and full["logits"].dtype == np.float32
    assert full["loss"].shape == ()
    assert abs(np_loss(full["logits"], labels) - float(full["loss"])) < 1e-5
    assert {k[5:] for k in full if k.startswith("grad.")} == set(weights)
    for k, w in weights.items():
        assert full[f"grad.{k}"].shape == w.shape, k
        assert np.isfinite(full[f"grad.{k}"]).all() and np.abs(full[f"grad.{k}"]).max() > 0, k

    lora = load_file(str(g / "lora.safetensors"))
    init = {k[5:]: v for k, v in lora.items() if k.startswith("init.")}
    grads = {k[5:]: v for k, v in lora.items() if k.startswith("grad.")}
    assert set(init) == set(grads)
    assert len(init) == 2 * len(LORA_TARGETS) * cfg["num_hidden_layers"]
    r = case["lora"]["r"]
    for k, v in init.items():
        assert k.startswith("base_model.model.model.layers.") and ".default." not in k
        base = k.replace("base_model.model.", "", 1).replace(".lora_A.weight", ".weight").replace(".lora_B.weight", ".weight")
        out_f, in_f = weights[base].shape
        assert v.shape == ((r, in_f) if ".lora_A." in k else (out_f, r)), k
        assert np.abs(v).max() > 0 and np.abs(grads[k]).max() > 0, k  # B non-zero => grad A non-zero
    assert abs(np_loss(lora["logits"], labels) - float(lora["loss"])) < 1e-5
    adapter = load_file(str(g / "lora_adapter_init" / "adapter_model.safetensors"))
    assert set(adapter) == set(init)
    for k in adapter:
        np.testing.assert_array_equal(adapter[k], init[k])

    traj = json.loads((g / "trajectory.json").read_text())
    opt = case["optimizer"]
    for key in ("full", "full_grad_accum_2", "lora"):
        t = traj[key]
        assert len(t["losses"]) == len(t["lrs"]) == len(t["grad_norms_before_clip"]) == opt["steps"]
        np.testing.assert_allclose(t["lrs"], opt["lr_at_step"], rtol=1e-9, atol=1e-15)
        assert t["final_loss"] < t["losses"][0]
    assert abs(traj["full"]["losses"][0] - float(full["loss"])) < 1e-5
    np.testing.assert_allclose(traj["full"]["losses"], traj["full_grad_accum_2"]["losses"], rtol=1e-4)
    final = load_file(str(g / "trajectory.safetensors"))
    assert {k[6:] for k in final if k.startswith("final.")} == set(weights)

    greedy = json.loads((g / "greedy.json").read_text())
    for gd in (greedy, greedy["after_full_trajectory"]):
        assert gd["prompt_ids"] == case["greedy"]["prompt_ids"]
        n = len(gd["generated_ids"])
        assert n == case["greedy"]["max_new_tokens"] or gd["stopped_on_eos"]
        assert len(gd["logprobs"]) == n and all(lp <= 0 for lp in gd["logprobs"])


def test_lr_schedule_closed_form() -> None:
    case = json.loads((GOLDEN / "tiny-llama" / "case.json").read_text())
    o = case["optimizer"]
    for s, lr in enumerate(o["lr_at_step"]):
        if s < o["warmup_steps"]:
            want = o["lr"] * s / o["warmup_steps"]
        else:
            p = (s - o["warmup_steps"]) / (o["steps"] - o["warmup_steps"])
            want = o["lr"] * 0.5 * (1 + math.cos(math.pi * p))
        assert abs(lr - want) < 1e-12


# ---------------------------------------------------------------------------------------------- torch


def _torch():
    return pytest.importorskip("torch"), pytest.importorskip("transformers"), pytest.importorskip("peft")


@pytest.mark.torch
def test_check_export_self_test() -> None:
    _torch()
    sys.path.insert(0, str(HERE))
    import check_export

    report = check_export.self_test(1e-4, 1e-4)
    assert report["ok"], json.dumps(report, indent=1)


@pytest.mark.torch
def test_check_export_detects_missing_weight(tmp_path: Path) -> None:
    torch, _, _ = _torch()
    from safetensors.numpy import save_file

    sys.path.insert(0, str(HERE))
    import check_export

    d = tmp_path / "broken"
    shutil.copytree(MODELS_DIR / "tiny-llama", d)
    w = load_file(str(d / "model.safetensors"))
    del w["model.layers.1.mlp.up_proj.weight"]
    save_file(w, str(d / "model.safetensors"), metadata={"format": "pt"})
    report = check_export.run(GOLDEN / "tiny-llama", d, "full", None, None, None, 1e-4, 1e-4)
    assert not report["ok"] and not report["checks"]["merged_load"]["ok"]


@pytest.mark.torch
def test_peft_added_tokens_layout_is_what_peft_saves() -> None:
    """golden/peft_added_tokens.json (what libs/engine's adapter-tokens.spec.ts checks in CI) is peft's own."""
    _torch()
    sys.path.insert(0, str(HERE))
    import check_export

    golden = json.loads(check_export.PEFT_LAYOUT.read_text())
    for name in check_export.ADDED_TOKEN_MODELS:
        assert check_export.peft_added_tokens_layout(name) == golden["models"][name], name


@pytest.mark.torch
def test_engine_adapter_with_added_tokens_loads_in_peft(tmp_path: Path) -> None:
    """The engine trains LoRA after adding the agent tokens and saves its adapter (engine_added_tokens_adapter.ts,
    needs node and the built addon); peft on the resized base gives the engine's logits."""
    _torch()
    sys.path.insert(0, str(HERE))
    import check_export

    subprocess.run(["node", "-r", "@swc-node/register", str(HERE / "engine_added_tokens_adapter.ts"), str(tmp_path)],
                   cwd=REPO, check=True)
    report = check_export.added_tokens(tmp_path, 1e-4, 1e-4)
    assert report["ok"], json.dumps(report, indent=1)


@pytest.mark.torch
def test_bf16_sharded_tiny_model_loads_like_torch_cast(tmp_path: Path) -> None:
    torch, _, _ = _torch()
    sys.path.insert(0, str(REPO / "tools" / "tiny-model"))
    sys.path.insert(0, str(HERE))
    import make_tiny_model as mtm
    import parity_common as pc

    out = tmp_path / "q"
    mtm.make_model("tiny-qwen2", out, seed=0, dtype="bf16", shard_size=100_000)
    m16 = pc.load_model(out, dtype=torch.bfloat16)
    m32 = pc.load_model("tiny-qwen2")
    sd16, sd32 = m16.state_dict(), m32.state_dict()
    for k, v in sd32.items():
        assert sd16[k].dtype == torch.bfloat16
        assert torch.equal(sd16[k], v.to(torch.bfloat16)), k


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_transformers_tokenizer_matches_tokenizers(name: str) -> None:
    _torch()
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(str(MODELS_DIR / name))
    raw = Tokenizer.from_file(str(MODELS_DIR / name / "tokenizer.json"))
    texts = ["Hello World", "  def f(x):\n\treturn 12345  # héllo 🙂 don't",
             "<|im_start|>user\nAction: search\n<tool_call>\n{}</tool_call><|im_end|>\n"]
    for t in texts:
        assert hf(t, add_special_tokens=False)["input_ids"] == raw.encode(t, add_special_tokens=False).ids


@pytest.mark.torch
def test_golden_regeneration_reproduces_committed(tmp_path: Path) -> None:
    _torch()
    subprocess.run([sys.executable, str(HERE / "make_golden.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for name in NAMES:
        for f in ("full", "lora", "trajectory"):
            a = load_file(str(tmp_path / name / f"{f}.safetensors"))
            b = load_file(str(GOLDEN / name / f"{f}.safetensors"))
            assert set(a) == set(b)
            for k in a:
                np.testing.assert_allclose(a[k], b[k], rtol=1e-4, atol=1e-6, err_msg=f"{name}/{f}/{k}")
        for f in ("case.json", "greedy.json"):
            ja, jb = json.loads((tmp_path / name / f).read_text()), json.loads((GOLDEN / name / f).read_text())
            ja.pop("versions", None), jb.pop("versions", None)
            ja.pop("self_checks", None), jb.pop("self_checks", None)
            if f == "greedy.json":
                assert ja["generated_ids"] == jb["generated_ids"]
            else:
                assert ja == jb


# ---------------------------------------------------------------------------------------------- numpy reference


@pytest.mark.parametrize("name", NAMES)
def test_numpy_reference_matches_golden(name: str) -> None:
    sys.path.insert(0, str(HERE))
    import numpy_reference as ref

    case = json.loads((GOLDEN / name / "case.json").read_text())
    args = (MODELS_DIR / name, case["input_ids"], case["position_ids"], case["segment_ids"], case["labels"])
    full = load_file(str(GOLDEN / name / "full.safetensors"))
    logits, loss = ref.forward(*args)
    assert np.abs(logits - full["logits"]).max() < 1e-5
    assert abs(loss - float(full["loss"])) < 1e-5

    lora = load_file(str(GOLDEN / name / "lora.safetensors"))
    weights = {k[5:]: v for k, v in lora.items() if k.startswith("init.")}
    logits, loss = ref.forward(*args, lora={"weights": weights, "scaling": case["lora"]["scaling"]})
    assert np.abs(logits - lora["logits"]).max() < 1e-5
    assert abs(loss - float(lora["loss"])) < 1e-5


def test_mistral_golden_is_windowed(monkeypatch) -> None:
    """The tiny Mistral's window is shorter than every sample of its case, and it shapes the golden logits."""
    sys.path.insert(0, str(HERE))
    import numpy_reference as ref

    cfg = json.loads((MODELS_DIR / "tiny-mistral" / "config.json").read_text())
    case = json.loads((GOLDEN / "tiny-mistral" / "case.json").read_text())
    assert cfg["architectures"] == ["MistralForCausalLM"]
    assert cfg["sliding_window"] < min(e - a for row in case["sample_boundaries"] for a, e in row)
    assert case["self_checks"]["sliding_window"] == cfg["sliding_window"]
    assert case["self_checks"]["no_window_max_abs_diff"] > 1e-3
    full = load_file(str(GOLDEN / "tiny-mistral" / "full.safetensors"))
    monkeypatch.setattr(ref, "sliding_window", lambda _cfg: None)
    logits, _ = ref.forward(MODELS_DIR / "tiny-mistral", case["input_ids"], case["position_ids"], case["segment_ids"])
    assert np.abs(logits - full["logits"]).max() > 1e-3


@pytest.mark.torch
def test_numpy_reference_llama3_rope_matches_transformers() -> None:
    torch, _, _ = _torch()
    sys.path.insert(0, str(HERE))
    import numpy_reference as ref
    import parity_common as pc

    cfg = json.loads((MODELS_DIR / "tiny-llama" / "config.json").read_text())
    inv = ref.rope_inv_freq(cfg)
    got = pc.load_model("tiny-llama").model.rotary_emb.inv_freq.double().numpy()
    np.testing.assert_allclose(inv, got, rtol=1e-6)
    base = 1.0 / cfg["rope_theta"] ** (np.arange(0, 16, 2) / 16)
    ratio = base / inv
    assert np.isclose(ratio, 1).sum() >= 1 and np.isclose(ratio, cfg["rope_scaling"]["factor"]).sum() >= 1
    assert ((ratio > 1.001) & (ratio < 7.999)).sum() >= 1  # all three llama3 branches are exercised


# ---------------------------------------------------------------------------------------------- SmolLM2-135M-Instruct

SMOLLM2_GOLDEN = GOLDEN / "smollm2-135m-instruct"


def _smollm2_dir() -> Path:
    sys.path.insert(0, str(HERE))
    import llamacpp_tokenizer_parity as ltp

    d = ltp.default_model_dir()
    if not (d / "tokenizer.json").exists():
        pytest.fail(f"{d}: the default model SmolLM2-135M-Instruct is not installed: "
                    "run `npm run install-default-model` (part of `npm run setup`)")
    return d


def test_smollm2_llamacpp_tokenizer_golden_is_the_sample() -> None:
    sys.path.insert(0, str(HERE))
    import llamacpp_tokenizer_parity as ltp

    g = json.loads((SMOLLM2_GOLDEN / "tokenizer_llamacpp.json").read_text(encoding="utf-8"))
    assert [c["text"] for c in g["cases"]] == ltp.SAMPLE  # regenerate with `llamacpp_tokenizer_parity.py llama`
    assert g["add_bos"] is False and g["special"] is True
    for c in g["cases"]:
        assert all(isinstance(i, int) and 0 <= i < 49152 for i in c["ids"]), c["text"]
        assert (c["ids"] == []) == (c["text"] == "")
        if c["text"].startswith("<|im_start|>"):
            assert c["ids"][0] == 1  # the marker is one control token, not text


def test_smollm2_rebuilt_tokenizer_gives_llamacpp_ids() -> None:
    sys.path.insert(0, str(HERE))
    import llamacpp_tokenizer_parity as ltp

    d = _smollm2_dir()
    g = json.loads((SMOLLM2_GOLDEN / "tokenizer_llamacpp.json").read_text(encoding="utf-8"))
    texts = [c["text"] for c in g["cases"]]
    report = ltp.compare(texts, [c["ids"] for c in g["cases"]], ltp.hf_ids(d, texts))
    assert report["identical"] == report["total"], json.dumps(report["diverging"][:3], ensure_ascii=False)

    golden = json.loads((SMOLLM2_GOLDEN / "golden.json").read_text(encoding="utf-8"))
    prompts = [p["text"] for p in golden["prompts"]]
    assert ltp.hf_ids(d, prompts) == [p["prompt_ids"] for p in golden["prompts"]]


def test_smollm2_torch_golden_complete_and_consistent() -> None:
    g = json.loads((SMOLLM2_GOLDEN / "golden.json").read_text(encoding="utf-8"))
    V = g["vocab_size"]
    assert V == 49152 and g["steps"] >= 32 and len(g["prompts"]) == 3
    assert any(any(ord(ch) > 0x400 for ch in p["text"]) for p in g["prompts"])  # one multilingual prompt
    for p in g["prompts"]:
        assert p["text"].startswith("<|im_start|>") and p["text"].endswith("<|im_start|>assistant\n")
        assert p["prompt_ids"][0] == 1
        n, P = len(p["generated_ids"]), len(p["prompt_ids"])
        assert n == g["steps"] == len(p["logprobs"]) and all(lp <= 0 for lp in p["logprobs"])
        assert p["min_top1_top2_margin"] > 0.01  # room for float32 noise before the argmax flips
        assert len(p["positions"]) >= 3 and {P - 1, P + n - 2} <= {q["position"] for q in p["positions"]}
        for q in p["positions"]:
            ids, lg = np.array(q["ids"]), np.array(q["logits"])
            assert ids.shape == lg.shape and len(ids) >= 50
            assert (np.diff(ids) > 0).all() and ids[0] >= 0 and ids[-1] < V
            assert q["argmax"] == ids[lg.argmax()] and np.abs(lg).max() <= q["max_abs"]
            assert q["logsumexp"] >= lg.max()
            pos_in_path = q["position"] - (P - 1)
            if 0 <= pos_in_path < n:
                assert q["argmax"] == p["generated_ids"][pos_in_path]


@pytest.mark.torch
def test_smollm2_golden_regeneration_reproduces_committed(tmp_path: Path) -> None:
    _torch()
    d = _smollm2_dir()
    out = tmp_path / "golden.json"
    subprocess.run([sys.executable, str(HERE / "make_smollm2_golden.py"), "--model-dir", str(d), "--out", str(out)],
                   check=True, capture_output=True)
    a = json.loads(out.read_text(encoding="utf-8"))
    b = json.loads((SMOLLM2_GOLDEN / "golden.json").read_text(encoding="utf-8"))
    assert a["model_safetensors_sha256"] == b["model_safetensors_sha256"], "the importer's output changed"
    for pa, pb in zip(a["prompts"], b["prompts"], strict=True):
        assert (pa["prompt_ids"], pa["generated_ids"]) == (pb["prompt_ids"], pb["generated_ids"])
        for qa, qb in zip(pa["positions"], pb["positions"], strict=True):
            assert qa["ids"] == qb["ids"]
            np.testing.assert_allclose(qa["logits"], qb["logits"], rtol=0, atol=1e-5 * qb["max_abs"])
