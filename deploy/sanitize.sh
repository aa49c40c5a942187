#!/usr/bin/env bash
# Builds hpo and its tests with AddressSanitizer and UndefinedBehaviorSanitizer
# (GCC) into build-asan/ and runs every test. Any sanitizer report fails the
# test that triggered it: both sanitizers halt on the first error.
#
#   ./deploy/sanitize.sh [extra cmake args...]
#
# Leaks are checked too (LeakSanitizer); tests/fuzz/lsan.supp lists the known
# leaks of libraries we link (none of our code), see the comments there.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

# -O1 keeps the Eigen-heavy training tests fast enough; -g1 gives line numbers
# in reports. No -DNDEBUG: Eigen's range assertions stay on as a third checker. -Werror stays with the normal build: GCC's warnings change under
# instrumentation (false -Wmaybe-uninitialized / -Wstringop-overflow).
# No -march=native: on an AVX-512 CPU, ASan's fake stack frames
# (detect_stack_use_after_return) are not 64-byte aligned, while GCC's 512-bit
# aligned moves of stack arrays assume they are, and they fault (seen here in
# pruner_spec.cc; the same bug as llvm/llvm-project#91565).
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B build-asan -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DCMAKE_CXX_FLAGS="$sanitize" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitize" -DCMAKE_SHARED_LINKER_FLAGS="$sanitize" \
  -DHPO_WERROR=OFF -DHPO_NATIVE=OFF "$@" >/dev/null
cmake --build build-asan -j"$jobs"

supp="$PWD/tests/fuzz/lsan.supp"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0"
cd build-asan
# Instrumented code runs 2-5x slower: a longer per-test timeout than test.sh.
ctest --output-on-failure --timeout 1800 -j"$jobs"
