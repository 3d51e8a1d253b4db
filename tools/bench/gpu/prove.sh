#!/usr/bin/env bash
# The GPU proof run of issue 21, in one go on a machine with an NVIDIA GPU and no network, under 10 minutes:
# build, the kernel tests (every CUDA op against the CPU op, backward ops by finite differences),
# compute-sanitizer memcheck on them, the PyTorch goldens (exact-f32 GEMMs, then bf16), a 200-step loss curve
# against the CPU backend, and training throughput / peak memory / MFU beside HF transformers + peft (eager,
# SDPA) and Liger. Writes tools/bench/gpu/results.md (and copies it and the logs to $OUT when that is set).
#
#   tools/bench/gpu/fetch.sh            # here, with network: wheels/ and debs/ beside this script (~14 MB)
#   tools/bench/gpu/prove.sh            # on the GPU machine (carry tools/bench/gpu/wheels and tools/bench/gpu/debs)
#   tools/bench/gpu/prove.sh --dry-run  # anywhere: every step up to the first that needs a GPU
#
# Environment: TF_PROVE_BUDGET (seconds, default 560: stages that would start later are recorded as not run),
# TF_PROVE_SHAPES (default "qwen2-0.5b qwen2-1.5b"; shapes.py also has llama-1b; set but empty: no benchmarks,
# the correctness stages alone, about 3 minutes after the build), TF_CUDA_ROOT (a toolkit; else
# nvcc from the PATH or /usr/local/cuda). Exit status 0 only when every stage passed.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
ROOT_DIR=$PWD
HERE=tools/bench/gpu
DRY=0
[[ ${1:-} == --dry-run ]] && DRY=1
START=$(date +%s)
# A dry run builds on whatever CPUs it has (minutes on 2 cores): a longer default budget.
DEADLINE=$((START + ${TF_PROVE_BUDGET:-$((DRY ? 1500 : 560))}))
WORK=$HERE/work
DEPS=$ROOT_DIR/$WORK/deps
export HERE WORK DEPS ROOT_DIR  # the stage functions run in child shells
rm -rf "$WORK" && mkdir -p "$WORK/logs"
STAGES=$WORK/stages.tsv
: >"$STAGES"
FAILED=0

log() { echo "prove.sh [$(($(date +%s) - START)) s] $*"; }
left() { echo $((DEADLINE - $(date +%s))); }
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >>"$STAGES"; }

# stage NAME TIMEOUT_S NOTE -- command...: runs it with a time limit, its output in work/logs/NAME.log; a stage
# that cannot finish before the deadline is not started.
stage() {
  local name=$1 limit=$2 note=$3
  shift 4
  if (($(left) < limit / 3)); then
    record "$name" "not run" 0 "time budget spent"
    log "$name: not run (time budget)"
    FAILED=1
    return 1
  fi
  ((limit > $(left))) && limit=$(left)
  ((DRY)) && limit=$((limit * 4))  # slower machines; the deadline still holds
  log "$name ..."
  local t0 rc
  t0=$(date +%s)
  # Through bash -c so that the command may be one of the exported functions below.
  timeout --kill-after=10 "$limit" bash -c '"$@"' _ "$@" >"$WORK/logs/$name.log" 2>&1
  rc=$?
  local secs
  secs=$(($(date +%s) - t0))
  if ((rc == 0)); then
    record "$name" PASS "$secs" "$note"
    log "$name: PASS ($secs s)"
  else
    [[ $rc == 124 || $rc == 137 ]] && note="timed out after $limit s; $note"
    record "$name" "FAIL (exit $rc)" "$secs" "$note; see work/logs/$name.log"
    log "$name: FAIL (exit $rc, $secs s); last lines:"
    tail -n 15 "$WORK/logs/$name.log"
    FAILED=1
  fi
  return $rc
}

finish() {
  {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (+ local changes)')"
    echo "gpu: ${GPU_NAME:-none}  driver: ${GPU_DRIVER:-none}  nvcc: ${NVCC_VERSION:-none}"
    echo "python: ${PY_VERSIONS:-not checked}"
    ((DRY)) && echo "DRY RUN: stopped before the first stage that needs a GPU; nothing below is verified on hardware"
  } >"$WORK/meta.txt"
  local out=$HERE/results.md
  ((DRY)) && out=$WORK/results-dry-run.md
  python3 "$HERE/report.py" "$WORK" "$out" >/dev/null && log "wrote $out"
  if [[ -n ${OUT:-} ]]; then
    cp "$out" "$OUT/" 2>/dev/null
    tar -czf "$OUT/prove-logs.tgz" -C "$WORK" logs stages.tsv meta.txt 2>/dev/null
  fi
  local verdict='every stage passed'
  ((FAILED)) && verdict='some stages failed or did not run'
  ((DRY && !FAILED)) && verdict='every stage up to the GPU passed; the GPU stages did not run'
  log "done in $(($(date +%s) - START)) s; $verdict"
  exit $FAILED
}

# ---- 1. preflight: the script itself, the GPU, Python packages, carried files --------------------------------
self_check() {
  bash -n "$HERE/prove.sh" "$HERE/fetch.sh" tools/cuda/install.sh tools/cuda/build.sh || return 1
  if command -v shellcheck >/dev/null; then shellcheck -S warning "$HERE"/*.sh tools/cuda/*.sh || return 1; fi
  python3 -m py_compile "$HERE/hf_bench.py" "$HERE/report.py" "$HERE/shapes.py"
}
export -f self_check
stage self-check 30 "bash -n, shellcheck when installed, Python syntax" -- self_check

if command -v nvidia-smi >/dev/null && nvidia-smi >/dev/null 2>&1; then
  GPU_NAME=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | head -1)
  GPU_DRIVER=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)
elif ((!DRY)); then
  record gpu FAIL 0 "no NVIDIA GPU (nvidia-smi); run with --dry-run on a machine without one"
  log "no NVIDIA GPU here; use --dry-run"
  FAILED=1
  finish
fi

# ---- 2. carried dependencies: Debian packages unpacked under work/deps, liger-kernel into work/site ------------
unpack_deps() {
  local n=0
  for d in "$HERE"/debs/*.deb; do
    [[ -e $d ]] || continue
    dpkg-deb -x "$d" "$DEPS" || return 1
    n=$((n + 1))
  done
  ((n > 0)) || { echo "no Debian packages in $HERE/debs: run tools/bench/gpu/fetch.sh first"; return 1; }
  python3 -m pip install -q --no-index --no-deps --no-compile --target "$ROOT_DIR/$WORK/site" "$HERE"/wheels/*.whl
}
export -f unpack_deps
stage deps 60 "OpenBLAS, nlohmann-json, GoogleTest unpacked; liger-kernel installed" -- unpack_deps
ARCH_LIB=$DEPS/usr/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH=$ARCH_LIB/openblas-openmp:$ARCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PYTHONPATH=$ROOT_DIR/$WORK/site:$ROOT_DIR/$HERE${PYTHONPATH:+:$PYTHONPATH}
PY_VERSIONS=$(python3 - <<'PY'
import importlib.metadata as m
def version(p):
    try:
        return m.version(p)
    except m.PackageNotFoundError:
        return "missing"
print(", ".join(f"{p} {version(p)}" for p in ["torch", "transformers", "peft", "liger-kernel"]))
PY
)

# ---- 3. the toolkit and the build ------------------------------------------------------------------------------
if [[ -z ${TF_CUDA_ROOT:-} ]]; then
  if ((DRY)); then
    TF_CUDA_ROOT=$(bash tools/cuda/install.sh)
  else
    nvcc_path=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
    [[ -n $nvcc_path ]] && TF_CUDA_ROOT=$(dirname "$(dirname "$(readlink -f "$nvcc_path")")")
  fi
fi
NVCC_VERSION=$("${TF_CUDA_ROOT:-/nonexistent}/bin/nvcc" --version 2>/dev/null | grep -o 'release [0-9.]*')
BUILD=native/build-gpu
build() {
  cmake -S native -B "$BUILD" -G Ninja -DTF_CUDA=ON -DTF_CUDA_ROOT="$TF_CUDA_ROOT" -DTF_CUDA_RUN_TESTS=ON \
    -DBUILD_TESTING=ON -DCMAKE_PREFIX_PATH="$DEPS/usr" \
    -DTF_BLAS_INCLUDE="$DEPS/usr/include/x86_64-linux-gnu/openblas-openmp" \
    -DTF_BLAS_LIB="$ARCH_LIB/openblas-openmp/libopenblas.so.0" &&
    cmake --build "$BUILD" -j"$(nproc)" --target tuneforge_cuda_tests tuneforge_cuda_model_tests \
      tuneforge_cuda_train_bench
}
export -f build
export BUILD TF_CUDA_ROOT ARCH_LIB
stage build 240 "CUDA backend (sm_90a + sm_80/PTX), kernel and model tests, train bench" -- build || finish

if ((DRY)); then
  refuses() {  # without a GPU the test binary must load (its libraries resolve) and refuse with its reason
    local out rc
    out=$("$BUILD/tests/cuda/tuneforge_cuda_tests" 2>&1)
    rc=$?
    echo "$out"
    [[ $rc -eq 2 && $out == *"needs a CUDA GPU"* ]]
  }
  export -f refuses
  stage binaries-load 30 "the kernel test binary loads and refuses without a GPU (exit 2, its reason)" -- refuses
  for s in kernel-tests memcheck goldens-fp32 goldens-bf16 loss-curve benchmarks; do record "$s" "not run" 0 "dry run: needs a GPU"; done
  log "dry run: stopping before the first stage that needs a GPU"
  finish
fi

# ---- 4. kernels: against the CPU, then under compute-sanitizer --------------------------------------------------
T=$BUILD/tests/cuda
stage kernel-tests 120 "every CUDA op vs the CPU op on fresh random inputs; backward by finite differences" -- \
  "$T/tuneforge_cuda_tests" --gtest_output="xml:$WORK/logs/kernels.xml"
SANITIZER=$(command -v compute-sanitizer || ls "$TF_CUDA_ROOT/bin/compute-sanitizer" 2>/dev/null || echo compute-sanitizer)
stage memcheck 150 "compute-sanitizer --tool memcheck on the kernel tests (device OOM test excluded: it faults on purpose)" -- \
  "$SANITIZER" --tool memcheck --error-exitcode 1 "$T/tuneforge_cuda_tests" \
  --gtest_filter=-CudaMemory.DeviceOutOfMemoryIsAStatus

# ---- 5. whole models: goldens (exact f32, then bf16 tolerances), the loss curve against the CPU ----------------
stage goldens-fp32 120 "TF_CUDA_GEMM=fp32: the CPU golden bounds (logits 1e-4, grads 1e-3)" -- \
  env TF_CUDA_GEMM=fp32 "$T/tuneforge_cuda_model_tests" --gtest_filter='Models/CudaGolden.*'
stage goldens-bf16 120 "bf16 GEMM operands: logits 3e-2, grads 6e-2 relative L2" -- \
  "$T/tuneforge_cuda_model_tests" --gtest_filter='Models/CudaGolden.*'
stage loss-curve 150 "200 steps tiny-qwen2, CPU vs CUDA, |diff| <= 0.05 + 2%" -- \
  env TF_CURVE_OUT="$ROOT_DIR/$WORK/curve.csv" "$T/tuneforge_cuda_model_tests" --gtest_filter='CudaLossCurve.*'

# ---- 6. throughput beside HF + peft (eager, SDPA) and Liger -------------------------------------------------------
BENCH=$WORK/bench.tsv
: >"$BENCH"
bench_one() {  # shape, then the command; appends "shape<TAB>json" when it printed one, else fails
  set -o pipefail  # a child shell: the command's failure, or no JSON line, fails the stage
  local shape=$1
  shift
  "$@" | tee /dev/stderr | grep '^{' | tail -1 | sed "s/^/$shape\t/" >>"$BENCH"
}
export -f bench_one
export BENCH
bench_shape() {
  local shape=$1 dir=$ROOT_DIR/$WORK/models/$1 ok=0
  stage "model-$shape" 90 "random-init $shape written as bf16 safetensors" -- \
    python3 "$HERE/hf_bench.py" --shape "$shape" --save "$dir" || return
  for mode in full lora; do
    stage "engine-$shape-$mode" 120 "tuneforge cuda" -- \
      bench_one "$shape" "$T/tuneforge_cuda_train_bench" "$dir" --mode "$mode" --seq 2048 --sample 512 || ok=1
    for side in "sdpa" "sdpa --liger" "eager"; do
      # shellcheck disable=SC2086
      stage "hf-$shape-$mode-${side// /}" 120 "transformers $side" -- \
        bench_one "$shape" python3 "$HERE/hf_bench.py" --shape "$shape" --mode "$mode" --attn $side || ok=1
    done
  done
  rm -rf "$dir"
  return $ok
}
# An empty TF_PROVE_SHAPES (set, but to nothing) runs the correctness stages only.
for shape in ${TF_PROVE_SHAPES-qwen2-0.5b qwen2-1.5b}; do bench_shape "$shape"; done
finish
