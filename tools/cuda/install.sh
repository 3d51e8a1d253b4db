#!/usr/bin/env bash
# Installs a CUDA toolkit (nvcc, runtime, cuBLAS/cuBLASLt, CCCL) from PyPI's NVIDIA wheels into a cache outside
# the repository and prints its root, which CMake takes as -DCUDAToolkit_ROOT=<root> (see native/CMakeLists.txt).
#
#   tools/cuda/install.sh            # prints e.g. /root/.cache/tuneforge/cuda-13.0.2
#   TF_CUDA_CACHE=/somewhere tools/cuda/install.sh
#   TF_CUDA_WHEELS=/dir/with/wheels tools/cuda/install.sh   # use already downloaded wheels (no network)
#
# Idempotent: a finished install leaves <root>/.complete holding the pinned list; a later call that finds the
# same list prints the root at once. Nothing here needs a GPU or root rights.
#
# Why these wheels: CUDA 12's nvidia-cuda-nvcc-cu12 wheels carry ptxas and libnvvm but no nvcc driver; CUDA 13's
# nvidia-cuda-nvcc carries nvcc, and all the CUDA 13 wheels unpack into one tree (nvidia/cu13/{bin,include,lib,
# nvvm}) that nvcc.profile already describes. CUDA 13.0 is also what the lent H100/H200 machines have (driver 580).
set -euo pipefail

# Pinned: one CUDA 13.0 release (update 2). Sizes are the downloads (MB), measured 2026-12-07.
PACKAGES=(
  nvidia-cuda-nvcc==13.0.88    # 37  nvcc, ptxas, nvlink, fatbinary, cudafe++
  nvidia-nvvm==13.0.88         # 62  cicc, libnvvm, libdevice
  nvidia-cuda-crt==13.0.88     # 0.1 crt/ headers nvcc includes
  nvidia-cuda-runtime==13.0.96 # 2   cuda_runtime.h, libcudart (shared and static)
  nvidia-cuda-cccl==13.0.85    # 3   CUB, Thrust, libcu++
  nvidia-cublas==13.0.2.14     # 421 cublas_v2.h, cublasLt.h, libcublas, libcublasLt (540 MB unpacked)
)
VERSION=13.0.2
CACHE=${TF_CUDA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tuneforge}
ROOT=$CACHE/cuda-$VERSION
PINS=$(printf '%s\n' "${PACKAGES[@]%%#*}" | tr -d ' ')

if [[ -f $ROOT/.complete && $(cat "$ROOT/.complete") == "$PINS" ]]; then
  echo "$ROOT"
  exit 0
fi

log() { echo "tools/cuda/install.sh: $*" >&2; }
PY=${PYTHON:-python3}
mkdir -p "$CACHE"
STAGE=$(mktemp -d "$CACHE/.stage-XXXXXX")
trap 'rm -rf "$STAGE"' EXIT

WHEELS=${TF_CUDA_WHEELS:-$STAGE/wheels}
if [[ -z ${TF_CUDA_WHEELS:-} ]]; then
  log "downloading CUDA $VERSION wheels from PyPI (about 525 MB)"
  start=$(date +%s)
  # --no-deps and explicit platforms: the wheels are plain archives, not Python packages we import.
  # shellcheck disable=SC2086
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux_2_12_x86_64 --platform manylinux2010_x86_64 \
    -d "$WHEELS" $PINS >&2
  log "downloaded in $(($(date +%s) - start)) s"
fi

for spec in $PINS; do
  name=${spec%%==*}
  ver=${spec##*==}
  wheel=$(ls "$WHEELS"/"${name//-/_}"-"$ver"-*.whl 2>/dev/null | head -1 || true)
  [[ -n $wheel ]] || { log "no wheel for $spec in $WHEELS"; exit 1; }
  "$PY" -m zipfile -e "$wheel" "$STAGE/tree"  # Python's unzip: no extra Debian package
done

T=$STAGE/tree/nvidia/cu13
# The wheels ship versioned sonames only; linkers look for the plain names. lib64 for tools that expect it.
for lib in cudart cublas cublasLt; do
  so=$(cd "$T/lib" && ls lib$lib.so.* | head -1)
  ln -sf "$so" "$T/lib/lib$lib.so"
done
ln -sfn lib "$T/lib64"
chmod +x "$T"/bin/* "$T"/nvvm/bin/*  # zipfile drops the mode bits
"$T/bin/nvcc" --version >/dev/null || { log "the unpacked nvcc does not run"; exit 1; }

rm -rf "$ROOT"
mv "$T" "$ROOT"
echo "$PINS" >"$ROOT/.complete"
log "installed $(du -sm "$ROOT" | cut -f1) MB into $ROOT"
echo "$ROOT"
