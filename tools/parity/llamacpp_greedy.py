#!/usr/bin/env python3
"""Greedy tokens of a GGUF file under llama.cpp (llama-cpp-python), for tools/parity/check_gguf_export.ts.

    ~/.cache/tuneforge/venv-llama/bin/python tools/parity/llamacpp_greedy.py MODEL.gguf PROMPTS.json STEPS

PROMPTS.json is a list of token-id lists. Prints a JSON list: for each prompt, the STEPS token ids llama.cpp picks
greedily (argmax of its logits after each evaluated token, no sampler), evaluated on the CPU with 2 threads.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from llama_cpp import Llama


def greedy(llm: Llama, prompt: list[int], steps: int) -> list[int]:
    llm.reset()
    llm.eval(prompt)
    out: list[int] = []
    for _ in range(steps):
        token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        out.append(token)
        llm.eval([token])
    return out


def main() -> int:
    path, prompts_file, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    prompts = json.loads(open(prompts_file, encoding="utf8").read())
    llm = Llama(model_path=path, n_ctx=1024, n_threads=2, n_batch=512, logits_all=True, verbose=False)
    print(json.dumps([greedy(llm, p, steps) for p in prompts]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
