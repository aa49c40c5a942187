#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build-fuzz/ and runs
# each for SECONDS (default 600), one after another, one job each.
#
#   ./deploy/fuzz.sh [SECONDS] [--merge] [FUZZER...]   # default: all four fuzzers
#
# Each run starts from a copy of tests/fuzz/corpus/<fuzzer>/ in
# build-fuzz/work/<fuzzer>/corpus. With --merge, a run without findings then
# adds to tests/fuzz/corpus/<fuzzer>/ those inputs it grew that reach new
# coverage (`<fuzzer> -merge=1`), so the committed corpus keeps what the run
# learnt without keeping every raw input. Findings land in
# build-fuzz/work/<fuzzer>/artifacts/ (crash-*, leak-*, timeout-*, oom-*); reproduce one with
# `build-fuzz/tests/fuzz/<fuzzer> FILE`. Exits 1 if any fuzzer found something.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
merge=0
fuzzers=()
for arg in "$@"; do
  case "$arg" in
    --merge) merge=1 ;;
    [0-9]*) seconds=$arg ;;
    *) fuzzers+=("$arg") ;;
  esac
done
if [ ${#fuzzers[@]} -eq 0 ]; then
  fuzzers=(spec_fuzzer idx_fuzzer csv_fuzzer coordinator_fuzzer)
fi

./deploy/install-deps.sh
./deploy/install-packages.sh clang libclang-rt-14-dev
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DBUILD_TESTING=ON -DHPO_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target "${fuzzers[@]}"

export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"

found=0
summary=()
for fuzzer in "${fuzzers[@]}"; do
  work="build-fuzz/work/$fuzzer"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
  cp tests/fuzz/corpus/"$fuzzer"/* "$work/corpus/"
  dict=()
  if [ -f "tests/fuzz/$fuzzer.dict" ]; then dict=(-dict="tests/fuzz/$fuzzer.dict"); fi
  echo "fuzz: $fuzzer for ${seconds}s (log: $work/log.txt)"
  set +e
  TMPDIR="$PWD/$work/tmp" "build-fuzz/tests/fuzz/$fuzzer" "$work/corpus" "${dict[@]}" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" >"$work/log.txt" 2>&1
  status=$?
  set -e
  # The last status line ("#N ... cov: C ft: F corp: ...") and the final stats.
  last=$(grep -E '^#[0-9]+' "$work/log.txt" | tail -1 || true)
  runs=$(grep -oP '^stat::number_of_executed_units:\s*\K[0-9]+' "$work/log.txt" || true)
  runs=${runs:-$(echo "$last" | grep -oP '^#\K[0-9]+' || echo '?')}
  cov=$(echo "$last" | grep -oP 'cov: \K[0-9]+' || echo '?')
  ft=$(echo "$last" | grep -oP 'ft: \K[0-9]+' || echo '?')
  corp=$(echo "$last" | grep -oP 'corp: \K[0-9]+/[0-9]+[a-zA-Z]*' || echo '?')
  crashes=$(find "$work/artifacts" -type f | wc -l)
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then found=1; fi
  kept=""
  if [ "$merge" -eq 1 ] && [ "$status" -eq 0 ] && [ "$crashes" -eq 0 ]; then
    committed="tests/fuzz/corpus/$fuzzer"
    before=$(find "$committed" -type f | wc -l)
    TMPDIR="$PWD/$work/tmp" "build-fuzz/tests/fuzz/$fuzzer" -merge=1 "$committed" \
      "$work/corpus" >"$work/merge.txt" 2>&1
    kept=" committed corpus $before -> $(find "$committed" -type f | wc -l) files"
  fi
  summary+=("$(printf '%-12s runs %-10s cov %-6s ft %-7s corpus %-12s findings %s (exit %s)%s' \
    "$fuzzer" "$runs" "$cov" "$ft" "$corp" "$crashes" "$status" "$kept")")
  echo "${summary[-1]}"
done
echo "fuzz: summary (${seconds}s each)"
printf '  %s\n' "${summary[@]}"
exit "$found"
