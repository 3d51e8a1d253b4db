#!/usr/bin/env bash
# What the build needs beyond the base image: Debian packages for the native engine (BLAS, JSON,
# GoogleTest, Ninja), python3-venv for the Python tools' venv, postgresql: the server infra/up.sh runs for
# distributed mode's metadata (infra/postgres would install it too, but setup asks for root once, up front), and
# chromium: the headless browser the dashboard's tests drive (apps/dashboard/test; puppeteer-core downloads none).
# A no-op when all are there. Installing needs root: run as root, apt-get runs directly; otherwise through
# sudo (which may ask for a password).
# Part of `npm run setup` (tools/setup.sh), which also makes the venv and installs the workspace.
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(curl unzip cmake ninja-build g++ libopenblas-openmp-dev nlohmann-json3-dev googletest libgtest-dev python3-venv postgresql chromium)

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: this is not a Debian or Ubuntu system (no dpkg/apt-get). Install the equivalents of these" \
    "Debian packages yourself, then run again: ${packages[*]}" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "Debian packages: all installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  echo "installing Debian packages needs root: running apt-get through sudo (it may ask for your password)"
  as_root=(sudo)
else
  echo "setup: missing Debian packages: ${missing[*]}" >&2
  echo "setup: installing them needs root, and you are neither root nor is sudo installed. As root, run:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  echo "then run this again." >&2
  exit 1
fi

echo "installing Debian packages: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
