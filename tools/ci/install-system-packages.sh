#!/usr/bin/env bash
# What the build needs beyond the base image: Debian packages for the native engine (BLAS, JSON,
# GoogleTest, Ninja) and the Python packages of the tiny-model maker. A no-op when all are there.
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(curl cmake ninja-build g++ libopenblas-openmp-dev nlohmann-json3-dev googletest libgtest-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python3 -m pip install -q --disable-pip-version-check -r tools/tiny-model/requirements.txt
