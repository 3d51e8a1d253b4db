#!/usr/bin/env bash
# What the build needs beyond the base image: Debian packages for the native engine (BLAS, JSON,
# GoogleTest, Ninja) and the venv of the Python tools (tools/ci/python-venv.sh). A no-op when all are there.
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(curl unzip cmake ninja-build g++ libopenblas-openmp-dev nlohmann-json3-dev googletest libgtest-dev python3-venv)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

bash tools/ci/python-venv.sh >/dev/null
