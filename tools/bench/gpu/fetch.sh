#!/usr/bin/env bash
# Downloads what tools/bench/gpu/prove.sh installs on the GPU machine, which has no network, into ignored
# folders beside it that a device call carries (64 MiB at most, all carried paths together):
#   wheels/  liger-kernel (0.9 MB). torch, transformers and peft are NOT carried: torch's CUDA wheel alone is
#            about 900 MB; the lent machines' image already has torch 2.11 (cu130), transformers 5.x and peft
#            (/work/.library/device/KINDS.md), and prove.sh uses those, printing their versions.
#   debs/    the engine's CPU build dependencies, Debian 12 packages unpacked there under /tmp (not installed):
#            OpenBLAS (OpenMP build), libgfortran5 + libquadmath0 (OpenBLAS needs them), nlohmann-json,
#            GoogleTest: about 13 MB. The image is not known to have them.
# Prints the total size. Idempotent: files already there are kept.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p wheels debs
LIGER=liger-kernel==0.8.5
if ! ls wheels/liger_kernel-0.8.5-*.whl >/dev/null 2>&1; then
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform any -d wheels "$LIGER"
fi
DEBS=(libopenblas0-openmp libopenblas-openmp-dev libgfortran5 libquadmath0 nlohmann-json3-dev libgtest-dev)
missing=()
for d in "${DEBS[@]}"; do ls debs/"${d}"_*.deb >/dev/null 2>&1 || missing+=("$d"); done
if ((${#missing[@]})); then
  (cd debs && apt-get download "${missing[@]}" 2>/dev/null) ||
    { echo "fetch.sh: apt-get download ${missing[*]} failed (a Debian/Ubuntu machine with apt is needed)" >&2; exit 1; }
fi
echo "fetch.sh: $(du -sh wheels | cut -f1) of wheels, $(du -sh debs | cut -f1) of Debian packages in tools/bench/gpu"
