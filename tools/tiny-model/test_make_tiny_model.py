"""Tests for make_tiny_model.py (no torch needed).

Run: python -m pytest tools/tiny-model -q
"""

from __future__ import annotations

import filecmp
import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from tokenizers import Tokenizer

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import make_tiny_model as mtm  # noqa: E402
import safetensors_writer  # noqa: E402

MODELS = HERE / "models"
REQUIRED_CONFIG_KEYS = [
    "architectures", "model_type", "hidden_size", "intermediate_size", "num_hidden_layers",
    "num_attention_heads", "num_key_value_heads", "rms_norm_eps", "rope_theta", "rope_scaling",
    "max_position_embeddings", "tie_word_embeddings", "vocab_size", "bos_token_id", "eos_token_id",
    "torch_dtype", "head_dim", "hidden_act", "initializer_range",
]
MODEL_FILES = ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
               "tokenizer_config.json", "special_tokens_map.json"]

SAMPLE_TEXTS = [
    "Hello World",
    "<|im_start|>user\nThought: x\nAction: search\nAction Input: {\"q\": 1}\n<tool_call>\n{}\n</tool_call><|im_end|>",
    "  def f(x):\n\treturn 12345  # héllo 🙂 don't WE'LL",
    "\n\n\n   spaces   \r\n end",
    "Question: What is 2 + 2?\nThought: easy\nFinal Answer: 4",
]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get \"weather\" é",
                                            "parameters": {"type": "object",
                                                           "properties": {"city": {"type": "string"}}}}}]
CHATS = [
    {"messages": [{"role": "user", "content": "hi"}], "add_generation_prompt": True},
    {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": "", "tool_calls": [
                {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
            {"role": "tool", "content": "{\"t\": 20}"},
            {"role": "assistant", "content": "20 degrees."},
        ],
        "tools": TOOLS,
        "add_generation_prompt": False,
    },
    {
        "messages": [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": "calling", "tool_calls": [
                {"type": "function", "function": {"name": "search", "arguments": "{\"query\": \"a\"}"}}]},
        ],
        "add_generation_prompt": False,
    },
]
EXPECTED_CHAT_1 = (
    "<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call one or more functions to assist with the user "
    "query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
    + json.dumps(TOOLS[0], ensure_ascii=False)
    + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
    "<args-json-object>}\n</tool_call><|im_end|>\n"
    "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
    "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
    "</tool_call><|im_end|>\n"
    "<|im_start|>user\n<tool_response>\n{\"t\": 20}\n</tool_response><|im_end|>\n"
    "<|im_start|>assistant\n20 degrees.<|im_end|>\n"
)


def render_python(template: str, chat: dict) -> str:
    """Render like transformers.apply_chat_template does (sandboxed jinja2, trim/lstrip blocks)."""
    jinja2 = pytest.importorskip("jinja2")
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = lambda x, indent=None: json.dumps(x, ensure_ascii=False, indent=indent)
    return env.from_string(template).render(
        messages=chat["messages"], tools=chat.get("tools"), add_generation_prompt=chat["add_generation_prompt"]
    )


def read_header(path: Path) -> dict:
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    for name in mtm.COMMITTED_PRESETS:
        mtm.make_model(name, root / name, seed=mtm.committed_seed(name))
    return root


@pytest.mark.parametrize("name", mtm.COMMITTED_PRESETS)
def test_deterministic_and_committed_models_up_to_date(fresh: Path, tmp_path: Path, name: str) -> None:
    again = tmp_path / name
    mtm.make_model(name, again, seed=mtm.committed_seed(name))
    for f in MODEL_FILES:
        assert filecmp.cmp(fresh / name / f, again / f, shallow=False), f"{f} not deterministic"
        assert filecmp.cmp(fresh / name / f, MODELS / name / f, shallow=False), (
            f"committed models/{name}/{f} is stale: run python tools/tiny-model/make_tiny_model.py --all")
    assert sorted(p.name for p in (MODELS / name).iterdir()) == sorted(MODEL_FILES)


def test_seed_changes_weights(tmp_path: Path) -> None:
    mtm.make_model("tiny-llama", tmp_path / "a", seed=1)
    with safe_open(str(tmp_path / "a" / "model.safetensors"), "np") as a, \
            safe_open(str(MODELS / "tiny-llama" / "model.safetensors"), "np") as b:
        assert not np.array_equal(a.get_tensor("model.embed_tokens.weight"), b.get_tensor("model.embed_tokens.weight"))


@pytest.mark.parametrize("name", mtm.COMMITTED_PRESETS)
def test_config_and_weights(name: str) -> None:
    d = MODELS / name
    cfg = json.loads((d / "config.json").read_text())
    for k in REQUIRED_CONFIG_KEYS:
        assert k in cfg, k
    assert cfg["num_attention_heads"] % cfg["num_key_value_heads"] == 0
    assert cfg["num_key_value_heads"] < cfg["num_attention_heads"]  # GQA
    tok = Tokenizer.from_file(str(d / "tokenizer.json"))
    assert 512 <= tok.get_vocab_size() <= cfg["vocab_size"] <= 2048
    assert cfg["architectures"] == [mtm.ARCHITECTURES[cfg["model_type"]]]

    h, hd = cfg["hidden_size"], cfg["head_dim"]
    expected = {n: s for n, s, _ in mtm.param_shapes(cfg)}
    with safe_open(str(d / "model.safetensors"), "np") as f:
        assert f.metadata() == {"format": "pt"}
        assert set(f.keys()) == set(expected)
        for n in f.keys():
            t = f.get_tensor(n)
            assert t.dtype == np.float32 and t.shape == expected[n], n
            if n.endswith("norm.weight"):
                assert np.all(t == 1.0)
            elif n.endswith(".bias"):
                assert np.all(t == 0.0)
            else:
                assert abs(float(t.std()) - 0.02) < 0.004 and abs(float(t.mean())) < 0.003, n
        q = f.get_tensor("model.layers.0.self_attn.q_proj.weight")
        k = f.get_tensor("model.layers.0.self_attn.k_proj.weight")
        assert q.shape == (cfg["num_attention_heads"] * hd, h)
        assert k.shape == (cfg["num_key_value_heads"] * hd, h)
        assert ("lm_head.weight" in f.keys()) == (not cfg["tie_word_embeddings"])
    if name == "tiny-llama":
        assert cfg["rope_scaling"]["rope_type"] == "llama3" and not cfg["tie_word_embeddings"]
        assert cfg["hidden_size"] == 64 and cfg["num_hidden_layers"] == 2
        assert cfg["num_attention_heads"] == 4 and cfg["num_key_value_heads"] == 2
    elif name == "tiny-qwen2":
        assert cfg["tie_word_embeddings"] and "model.layers.0.self_attn.q_proj.bias" in expected
    elif name == "tiny-qwen3":
        assert cfg["tie_word_embeddings"] and not any(n.endswith(".bias") for n in expected)
        assert hd * cfg["num_attention_heads"] != h  # head_dim decoupled from hidden_size / heads
        for layer in range(cfg["num_hidden_layers"]):
            for norm in ("q_norm", "k_norm"):
                assert expected[f"model.layers.{layer}.self_attn.{norm}.weight"] == (hd,)
        assert not cfg["use_sliding_window"]
    else:
        assert name == "tiny-mistral" and not cfg["tie_word_embeddings"]
        assert not any(n.endswith(".bias") or "q_norm" in n for n in expected)
        assert 0 < cfg["sliding_window"] < 7  # shorter than every sample of the parity golden (24; 9, 8, 7)
    gen = json.loads((d / "generation_config.json").read_text())
    assert cfg["eos_token_id"] in gen["eos_token_id"]


@pytest.mark.parametrize("name", mtm.COMMITTED_PRESETS)
def test_tokenizer_roundtrip_and_specials(name: str) -> None:
    d = MODELS / name
    tok = Tokenizer.from_file(str(d / "tokenizer.json"))
    tcfg = json.loads((d / "tokenizer_config.json").read_text())
    for text in SAMPLE_TEXTS:
        ids = tok.encode(text, add_special_tokens=False).ids
        assert tok.decode(ids, skip_special_tokens=False) == text
        assert len(ids) < len(text.encode()) or len(text) < 12  # BPE actually merges
    for t in mtm.SPECIAL_TOKENS + mtm.ADDED_TOKENS:
        assert tok.encode(t, add_special_tokens=False).ids == [tok.token_to_id(t)]
        assert tcfg["added_tokens_decoder"][str(tok.token_to_id(t))]["content"] == t
    # ReAct keywords are single tokens or short
    for kw in ["Thought", "Action", "Observation", "Final"]:
        assert len(tok.encode(kw).ids) <= 2, kw
    assert tcfg["eos_token"] == "<|im_end|>" and tcfg["pad_token"] == "<|endoftext|>"
    cfg = json.loads((d / "config.json").read_text())
    assert cfg["eos_token_id"] == tok.token_to_id("<|im_end|>")
    # skip_special_tokens drops control tokens but keeps <tool_call> (not special, like Qwen2.5)
    ids = tok.encode("<|im_start|>a<tool_call>b<|im_end|>").ids
    assert tok.decode(ids, skip_special_tokens=True) == "a<tool_call>b"


@pytest.mark.parametrize("name", mtm.COMMITTED_PRESETS)
def test_chat_template_renders(name: str) -> None:
    tcfg = json.loads((MODELS / name / "tokenizer_config.json").read_text())
    tpl = tcfg["chat_template"]
    assert render_python(tpl, CHATS[0]) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
        "<|im_start|>assistant\n")
    assert render_python(tpl, CHATS[1]) == EXPECTED_CHAT_1
    assert render_python(tpl, CHATS[2]).endswith(
        "<|im_start|>assistant\ncalling\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"a\"}}\n"
        "</tool_call><|im_end|>\n")


@pytest.mark.parametrize("name", mtm.COMMITTED_PRESETS)
def test_js_tokenizer_and_template_agree(name: str, tmp_path: Path) -> None:
    node = shutil.which("node")
    if not node or not (REPO / "node_modules" / "@huggingface" / "tokenizers").exists() \
            or not (REPO / "node_modules" / "@huggingface" / "jinja").exists():
        pytest.skip("node or @huggingface/tokenizers / @huggingface/jinja not installed")
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps({"texts": SAMPLE_TEXTS, "chats": CHATS}))
    out = subprocess.run([node, str(HERE / "check_js_load.mjs"), str(MODELS / name), str(cases)],
                         cwd=REPO, check=True, capture_output=True, text=True).stdout
    js = json.loads(out)
    tok = Tokenizer.from_file(str(MODELS / name / "tokenizer.json"))
    for text, got in zip(SAMPLE_TEXTS, js["texts"]):
        assert got["ids"] == tok.encode(text, add_special_tokens=False).ids, text
        assert got["decoded"] == text
    tpl = json.loads((MODELS / name / "tokenizer_config.json").read_text())["chat_template"]
    for chat, got in zip(CHATS, js["chats"]):
        assert got["rendered"] == render_python(tpl, chat)


def test_sharded_and_half_precision(tmp_path: Path) -> None:
    out = tmp_path / "sharded"
    mtm.make_model("tiny-qwen2", out, seed=0, dtype="bf16", shard_size=100_000)
    idx = json.loads((out / "model.safetensors.index.json").read_text())
    shards = sorted(set(idx["weight_map"].values()))
    assert len(shards) > 1 and not (out / "model.safetensors").exists()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["torch_dtype"] == "bfloat16"
    ref = mtm.init_weights(cfg, 0)
    assert set(idx["weight_map"]) == set(ref)
    total = 0
    for s in shards:
        hdr = read_header(out / s)
        raw = (out / s).read_bytes()
        (n,) = struct.unpack("<Q", raw[:8])
        for k, meta in hdr.items():
            if k == "__metadata__":
                continue
            assert meta["dtype"] == "BF16" and idx["weight_map"][k] == s
            a, b = meta["data_offsets"]
            total += b - a
            bits = np.frombuffer(raw[8 + n + a: 8 + n + b], "<u2").astype(np.uint32) << 16
            vals = bits.view(np.float32).reshape(meta["shape"])
            np.testing.assert_allclose(vals, ref[k], rtol=2 ** -8, atol=1e-30)
    assert total == idx["metadata"]["total_size"]

    f16 = tmp_path / "f16"
    mtm.make_model("tiny-llama", f16, seed=0, dtype="f16")
    with safe_open(str(f16 / "model.safetensors"), "np") as f:
        t = f.get_tensor("model.embed_tokens.weight")
        assert t.dtype == np.float16


def test_bf16_rounding_matches_round_to_nearest_even() -> None:
    x = np.array([1.0, 1.00390625, 1.01171875, -2.5, 3.0e-3, 65504.0], np.float32)
    bits = safetensors_writer.f32_to_bf16_bits(x)
    # 1 + 2^-8 is a tie between 1.0 and 1+2^-7 -> rounds to even (1.0)
    assert bits[0] == 0x3F80 and bits[1] == 0x3F80 and bits[2] == 0x3F82
    back = (bits.astype(np.uint32) << 16).view(np.float32)
    np.testing.assert_allclose(back, x, rtol=2 ** -8)


def test_small_llama_param_count() -> None:
    cfg = mtm.make_config(mtm.PRESETS["small-llama"], 867, {t: i for i, t in enumerate(mtm.SPECIAL_TOKENS)}, "f32")
    n = sum(int(np.prod(s)) for _, s, _ in mtm.param_shapes(cfg))
    assert 10_000_000 <= n <= 50_000_000
