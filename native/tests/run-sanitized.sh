#!/usr/bin/env bash
# The engine's tests built with AddressSanitizer and UndefinedBehaviorSanitizer (native/build-sanitized): the
# fuzzed model files (hostile config.json values, mutated safetensors headers) and every other native test run
# with any memory error, leak or undefined behaviour failing the run. `nx run engine:test-native-sanitized`.
set -euo pipefail
cd "$(dirname "$0")/../.."
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S native -B native/build-sanitized -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" >/dev/null
cmake --build native/build-sanitized --target tuneforge_tests
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
native/build-sanitized/tests/tuneforge_tests "$@"
