#!/usr/bin/env bash
# Runs every TPE benchmark and prints the comparison tables:
#   tests/bench/tpe/run.sh [BUILD_DIR]      (default: build)
# Installs Debian's python3-optuna (deploy/install-bench-deps.sh), builds the
# coordinator and the benchmarks, then: quality through the service vs
# Optuna 3.1 on the suite (20 seeds, 100 trials, both modes), and vs the same
# Optuna with the density fix of Optuna 3.5 (optuna_suite.py --density-fix),
# 8 parallel askers, and the latency of one suggestion at 100 to 10,000 trials.
# SEEDS=50 tests/bench/tpe/run.sh for more seeds. Results stay in
# $OUT (default: a fresh temp directory), printed at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${1:-$root/build}"
seeds="${SEEDS:-20}"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
bench="$build/tests/bench/tpe"

"$root/deploy/install-bench-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" -j2 --target hpo-coordinator tpe_quality_bench tpe_parallel_bench tpe_latency_bench

echo "== quality: hpo TPE through the service ($seeds seeds)"
HPO_BUILD_DIR="$build" "$bench/tpe_quality_bench" --seeds "$seeds" --out "$out/ours.json"
echo "== quality: Optuna (Debian's python3-optuna) on the same suite"
/usr/bin/python3 "$root/tests/bench/tpe/optuna_suite.py" --seeds "$seeds" --out "$out/optuna31.json"
echo "== quality: the same Optuna with Optuna 3.5's fix of its kernel density"
/usr/bin/python3 "$root/tests/bench/tpe/optuna_suite.py" --seeds "$seeds" --density-fix \
  --out "$out/optuna31_fixed.json"
echo "== parallel: 8 workers"
HPO_BUILD_DIR="$build" "$bench/tpe_parallel_bench" --seeds "$seeds" --out "$out/parallel.json" || \
  echo "parallel: identical parameters handed to RUNNING trials (see above)"
echo "== latency: hpo in process"
"$bench/tpe_latency_bench" --out "$out/latency.json"
echo "== latency: Optuna study.ask()"
/usr/bin/python3 "$root/tests/bench/tpe/optuna_latency.py" --out "$out/optuna_latency.json"

/usr/bin/python3 "$root/tests/bench/tpe/compare.py" --dir "$out"
echo
echo "results: $out"
