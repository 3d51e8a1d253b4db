#!/usr/bin/env bash
# The Python environment of the project's Python tools (tiny-model maker and its tests, the metrics reference
# script in tools/metrics-reference): a venv cached
# outside the repository, so the tests never depend on which `python3` a shell happens to find first.
# Prints the venv's python. Idempotent: requirements are reinstalled only when they change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TUNEFORGE_CACHE:-$HOME/.cache/tuneforge}/venv-tools"
requirements="$root/tools/tiny-model/requirements.txt"
metrics_requirements="$root/tools/metrics-reference/requirements.txt"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
stamp="$venv/.requirements.sha256"
wanted=$(cat "$requirements" "$metrics_requirements" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" -r "$metrics_requirements" >&2
  echo "$wanted" > "$stamp"
fi
echo "$venv/bin/python"
