#!/usr/bin/env bash
# The llama.cpp peer's Python environment: llama-cpp-python (llama.cpp built from its PyPI sdist, CPU only, about
# 6 minutes on 2 cores the first time) with its OpenAI-compatible server, cached outside the repository. Used by
# the tools that check Tuneforge against llama.cpp (tools/parity/check_gguf_export.ts, llamacpp_*.py) and by the
# serving benchmark's peer (tools/bench/serving.ts --peer llama.cpp). Not part of `npm test`: CI checks the
# committed goldens these tools produce. Prints the venv's python. Idempotent.
set -euo pipefail
venv="${TUNEFORGE_CACHE:-$HOME/.cache/tuneforge}/venv-llama"
wanted='llama-cpp-python[server]==0.3.36 gguf==0.19.0 numpy==2.4.6'
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  # GGML_NATIVE=OFF: a portable build (the cache may move between machines); no BLAS, tests or examples.
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_BLAS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
    "$venv/bin/python" -m pip install -q --disable-pip-version-check $wanted >&2
  echo "$wanted" > "$stamp"
fi
echo "$venv/bin/python"
