#!/usr/bin/env python3
"""PyTorch golden for the real default model, SmolLM2-135M-Instruct as libs/model-import imports it.

Loads the imported Hugging Face directory (`npm run install-default-model`; default
$TUNEFORGE_CACHE/models/SmolLM2-135M-Instruct, TUNEFORGE_CACHE defaulting to ~/.cache/tuneforge) with transformers
(float32, eager attention, 1 thread, deterministic), renders three chat prompts with the model's chat template,
runs greedy decoding for --steps tokens (no stop on <|im_end|>: exactly --steps tokens, as the engine's `generate`
without stop sequences), then one teacher-forced forward over prompt + generated tokens, and writes
golden/smollm2-135m-instruct/golden.json:

    prompts[i].messages / text / prompt_ids        the chat and its ids (add_special_tokens=False)
    prompts[i].generated_ids                       the greedy tokens (argmax, ties to the lowest id)
    prompts[i].logprobs                            log_softmax(teacher-forced logits)[generated token]
    prompts[i].min_top1_top2_margin                smallest logit gap between best and second best on the path
    prompts[i].positions[j]                        logits at a few positions of the teacher-forced forward:
        position, ids, logits (the top-TOP_K ids by logit, every STRIDE-th id and a few fixed ids),
        max_abs (max |logit| over the whole vocabulary), argmax, logsumexp

Relative error of a position (what the engine is checked with): max_v |engine_v - torch_v| / max_v |torch_v|, the
maximum over the vocabulary (over the stored ids in CI; tools/parity/compare_engine_smollm2.ts computes it over
the whole vocabulary at every position from --full-out).

    HF_HUB_OFFLINE=1 ~/.cache/tuneforge/venv-parity/bin/python tools/parity/make_smollm2_golden.py \
        [--model-dir DIR] [--steps 48] [--full-out /tmp/smollm2-torch-logits.safetensors]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import parity_common as pc  # noqa: E402
from llamacpp_tokenizer_parity import MODEL_NAME, default_model_dir, sha256_of  # noqa: E402

GOLDEN = HERE / "golden" / "smollm2-135m-instruct" / "golden.json"
STEPS = 48
TOP_K = 50
STRIDE = 997  # a prime: 50 ids spread over the 49152-token vocabulary, not aligned with any block
FIXED_IDS = [0, 1, 2, 198, 216, 28, 314, 49151]  # <|endoftext|> <|im_start|> <|im_end|> \n space = the last id

PROMPTS: list[list[dict]] = [
    [{"role": "user", "content": "Describe how a bicycle works."}],
    [{"role": "system", "content": "You are a helpful assistant who writes clean Python."},
     {"role": "user", "content": "Write a Python function that returns the n-th Fibonacci number, with a docstring."}],
    [{"role": "user", "content": "Traduis en français, puis en allemand : « The weather is nice today. » "
                                 "Привет! 你好，世界。 ¿Cómo estás?"}],
]


def stored_ids(row: torch.Tensor) -> list[int]:
    top = torch.topk(row, TOP_K).indices.tolist()
    return sorted(set(top) | set(range(0, row.shape[0], STRIDE)) | set(FIXED_IDS))


@torch.no_grad()
def greedy(model, prompt_ids: list[int], steps: int) -> list[int]:
    """Exactly `steps` argmax tokens with a KV cache (torch.argmax returns the lowest id on ties)."""
    out = model(input_ids=torch.tensor([prompt_ids]), use_cache=True)
    past, ids = out.past_key_values, []
    nxt = int(torch.argmax(out.logits[0, -1]))
    for _ in range(steps):
        ids.append(nxt)
        if len(ids) == steps:
            break
        out = model(input_ids=torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
        past = out.past_key_values
        nxt = int(torch.argmax(out.logits[0, -1]))
    return ids


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=default_model_dir())
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--out", type=Path, default=GOLDEN)
    ap.add_argument("--full-out", type=Path, help="also write the full logits [prompt + generated, vocab] of each "
                                                   "prompt as prompt<i>.logits (safetensors, not committed)")
    args = ap.parse_args(argv)
    if not (args.model_dir / "config.json").exists():
        sys.exit(f"{args.model_dir}: no model there; run `npm run install-default-model` first")
    pc.setup_determinism()

    from tokenizers import Tokenizer

    tok = pc.load_tokenizer(args.model_dir)
    raw = Tokenizer.from_file(str(args.model_dir / "tokenizer.json"))
    model = pc.load_model(args.model_dir)
    model.eval()
    V = model.config.vocab_size

    prompts, full = [], {}
    for i, messages in enumerate(PROMPTS):
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        prompt_ids = raw.encode(text, add_special_tokens=False).ids
        assert tok(text, add_special_tokens=False)["input_ids"] == prompt_ids
        gen = greedy(model, prompt_ids, args.steps)
        P, seq = len(prompt_ids), prompt_ids + gen
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([seq])).logits[0].float()
        # the teacher-forced forward picks the same tokens as the cached decode
        path = logits[P - 1:P - 1 + len(gen)]
        assert torch.argmax(path, -1).tolist() == gen, i
        logp = torch.log_softmax(path, -1)
        top2 = torch.topk(path, 2).values
        positions = []
        for p in sorted({0, P // 2, P - 1, P - 1 + len(gen) // 2, P - 2 + len(gen)}):
            row = logits[p]
            ids = stored_ids(row)
            positions.append({
                "position": p,
                "ids": ids,
                "logits": row[ids].tolist(),
                "max_abs": row.abs().max().item(),
                "argmax": int(torch.argmax(row)),
                "logsumexp": torch.logsumexp(row.double(), 0).item(),
            })
        prompts.append({
            "messages": messages,
            "text": text,
            "prompt_ids": prompt_ids,
            "generated_ids": gen,
            "generated_text": raw.decode(gen, skip_special_tokens=False),
            "logprobs": logp.gather(1, torch.tensor(gen)[:, None])[:, 0].tolist(),
            "min_top1_top2_margin": (top2[:, 0] - top2[:, 1]).min().item(),
            "positions": positions,
        })
        full[f"prompt{i}.logits"] = logits.contiguous()

    golden = {
        "description": __doc__.split("\n\n")[1].replace("\n", " "),
        "model": MODEL_NAME,
        "model_safetensors_sha256": sha256_of(args.model_dir / "model.safetensors"),
        "vocab_size": V,
        "steps": args.steps,
        "relative_error": "per position: max over the vocabulary of |a - b| / max over the vocabulary of |b| "
                          "(b = these logits; in CI the numerator runs over the stored ids, max_abs is over all)",
        "tolerance": {"logits_relative_per_position": 1e-4, "logprobs_abs": 1e-4, "greedy": "exact"},
        "stored_ids": f"top {TOP_K} by logit, every {STRIDE}th id, fixed {FIXED_IDS}",
        "prompts": prompts,
        "versions": pc.versions(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.full_out:
        from safetensors.torch import save_file

        save_file(full, str(args.full_out), metadata={"format": "pt"})
    for p in prompts:
        print(json.dumps({"prompt_tokens": len(p["prompt_ids"]), "margin": p["min_top1_top2_margin"],
                          "generated": p["generated_text"]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
