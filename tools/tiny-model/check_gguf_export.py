"""Checks a GGUF file written by Tuneforge's export (libs/model-import) with llama.cpp's own `gguf` package.

    python tools/tiny-model/check_gguf_export.py EXPORTED.gguf HF_DIR TYPE      # TYPE: F32, F16 or Q8_0

Every tensor of the Hugging Face directory must be there under llama.cpp's name, in llama.cpp's layout (q/k rows
permuted for Llama), with the bytes llama.cpp's converter would write: F32 as is, F16 as numpy's round-to-nearest
cast, Q8_0 as gguf-py's reference quantizer (1-D tensors F32); the vocabulary must be the tokenizer's, by id.
Prints one line and exits 0, or raises.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType, GGUFReader, quants
from safetensors.numpy import load_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_tiny_gguf import gguf_tensor_names, permute  # noqa: E402


def main(path: str, model: str, qtype: str) -> int:
    cfg = json.loads((Path(model) / "config.json").read_text())
    tok = json.loads((Path(model) / "tokenizer.json").read_text())
    reader = GGUFReader(path)
    arch = str(bytes(reader.fields["general.architecture"].parts[-1]), "utf8")
    names = gguf_tensor_names(cfg["num_hidden_layers"])
    tensors = {t.name: t for t in reader.tensors}
    weights = load_file(str(Path(model) / "model.safetensors"))
    for hf_name, data in weights.items():
        name = names[hf_name]
        t = tensors.pop(name)
        data = data.astype(np.float32)
        if arch == "llama" and name.endswith("attn_q.weight"):
            data = permute(data, cfg["num_attention_heads"])
        if arch == "llama" and name.endswith("attn_k.weight"):
            data = permute(data, cfg["num_key_value_heads"])
        want_type = "F32" if data.ndim == 1 else qtype
        assert t.tensor_type.name == want_type, f"{name}: {t.tensor_type.name}, expected {want_type}"
        got = np.asarray(t.data).view(np.uint8).reshape(-1)
        if want_type == "F32":
            want = data.view(np.uint8).reshape(-1)
        elif want_type == "F16":
            want = data.astype(np.float16).view(np.uint8).reshape(-1)
        else:
            want = quants.quantize(data, GGMLQuantizationType.Q8_0).reshape(-1)
        assert got.shape == want.shape and (got == want).all(), f"{name}: {int((got != want).sum())} bytes differ from llama.cpp's {want_type}"
    extra = sorted(set(tensors) - {"rope_freqs.weight"})
    assert not extra, f"unexpected tensors {extra}"

    tokens = [str(bytes(reader.fields["tokenizer.ggml.tokens"].parts[i]), "utf8") for i in reader.fields["tokenizer.ggml.tokens"].data]
    vocab = dict(tok["model"]["vocab"])
    for t in tok["added_tokens"]:
        vocab[t["content"]] = t["id"]
    for text, i in vocab.items():
        assert tokens[i] == text, f"token {i}: {tokens[i]!r}, expected {text!r}"
    print(f"ok: {len(weights)} tensors as llama.cpp writes {qtype}, {len(tokens)} tokens, architecture {arch}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:4]))
