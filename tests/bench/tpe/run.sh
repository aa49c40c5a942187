#!/usr/bin/env bash
# Runs every TPE and GP benchmark and prints the comparison tables:
#   tests/bench/tpe/run.sh [BUILD_DIR]      (default: build)
# Installs Debian's python3-optuna (deploy/install-bench-deps.sh), builds the
# coordinator and the benchmarks, then:
# - TPE: quality through the service vs Optuna 3.1 on the suite (20 seeds,
#   100 trials, both modes), and vs the same Optuna with the density fix of
#   Optuna 3.5 (optuna_suite.py --density-fix), 8 parallel askers, and the
#   latency of one suggestion at 100 to 10,000 trials;
# - GP: quality through the service (tpe_quality_bench --modes gp) vs Optuna
#   4.9.0's GPSampler, and the latency of one suggestion at 100 to 1,000
#   trials vs Optuna 4.9's.
# Optuna 4.9 runs from its sources, given as OPTUNA49_SRC: an unmodified
# Optuna 4.9.0 tree (the directory holding optuna/), e.g.
#   git clone https://github.com/optuna/optuna && git -C optuna checkout v4.9.0
#   OPTUNA49_SRC=$PWD/optuna tests/bench/tpe/run.sh
# run.sh patches a copy in $OUT for Debian's torch 1.13 (prepare-optuna49.sh)
# and installs Debian's torch and scipy. Without OPTUNA49_SRC the GP table
# has only the Optuna 4.9 figures of benchmarks.md. 20 seeds of Optuna's GP
# take about 15 minutes on 2 cores.
# SEEDS=50 for more seeds, TRIALS=30 for shorter quality runs (smoke tests),
# ONLY=tpe or ONLY=gp for one sampler's benchmarks. Results stay in $OUT
# (default: a fresh temp directory), printed at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${1:-$root/build}"
seeds="${SEEDS:-20}"
trials="${TRIALS:-100}"
only="${ONLY:-}"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"  # absolute: PYTHONPATH points into it
bench="$build/tests/bench/tpe"
here="$root/tests/bench/tpe"
case "$only" in "" | tpe | gp) ;; *) echo "run.sh: ONLY must be tpe or gp" >&2; exit 2 ;; esac

"$root/deploy/install-bench-deps.sh"
if [ -n "${OPTUNA49_SRC:-}" ]; then
  # GPSampler's torch and scipy, and what `import optuna` 4.9 needs (most
  # came with python3-optuna).
  "$root/deploy/install-packages.sh" python3-torch python3-scipy python3-numpy \
    python3-sqlalchemy python3-alembic python3-colorlog python3-tqdm python3-packaging
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" -j2 --target hpo-coordinator tpe_quality_bench tpe_parallel_bench tpe_latency_bench

run_tpe() {
  echo "== quality: hpo TPE through the service ($seeds seeds)"
  HPO_BUILD_DIR="$build" "$bench/tpe_quality_bench" --seeds "$seeds" --trials "$trials" \
    --out "$out/ours.json"
  echo "== quality: Optuna (Debian's python3-optuna) on the same suite"
  /usr/bin/python3 "$here/optuna_suite.py" --seeds "$seeds" --trials "$trials" \
    --out "$out/optuna31.json"
  echo "== quality: the same Optuna with Optuna 3.5's fix of its kernel density"
  /usr/bin/python3 "$here/optuna_suite.py" --seeds "$seeds" --trials "$trials" --density-fix \
    --out "$out/optuna31_fixed.json"
  echo "== parallel: 8 workers"
  HPO_BUILD_DIR="$build" "$bench/tpe_parallel_bench" --modes independent,multivariate \
    --seeds "$seeds" --out "$out/parallel.json" || \
    echo "parallel: identical parameters handed to RUNNING trials (see above)"
  echo "== latency: hpo in process"
  "$bench/tpe_latency_bench" --out "$out/latency.json"
  echo "== latency: Optuna study.ask()"
  /usr/bin/python3 "$here/optuna_latency.py" --out "$out/optuna_latency.json"
}

run_gp() {
  echo "== quality: hpo GP through the service ($seeds seeds)"
  HPO_BUILD_DIR="$build" "$bench/tpe_quality_bench" --modes gp --seeds "$seeds" \
    --trials "$trials" --out "$out/ours_gp.json"
  echo "== quality: hpo GP on functions outside the suite"
  HPO_BUILD_DIR="$build" "$bench/tpe_quality_bench" --modes gp --suite extra --seeds "$seeds" \
    --trials "$trials" --out "$out/ours_gp_extra.json"
  echo "== parallel: hpo GP, 8 workers"
  HPO_BUILD_DIR="$build" "$bench/tpe_parallel_bench" --modes gp --seeds "$seeds" \
    --out "$out/parallel_gp.json" || \
    echo "parallel: identical parameters handed to RUNNING trials (see above)"
  echo "== latency: hpo GP in process"
  "$bench/tpe_latency_bench" --sampler gp --out "$out/latency_gp.json"
  if [ -z "${OPTUNA49_SRC:-}" ]; then
    echo "== Optuna 4.9 GPSampler: SKIPPED, OPTUNA49_SRC is not set. To run it, point"
    echo "   OPTUNA49_SRC at an Optuna 4.9.0 source tree, e.g."
    echo "   git clone https://github.com/optuna/optuna && git -C optuna checkout v4.9.0"
    echo "   (the GP tables then show only benchmarks.md's figures)"
    return
  fi
  # Debian's optuna 3.1 is on the default sys.path: the patched copy goes first.
  "$here/prepare-optuna49.sh" "$OPTUNA49_SRC" "$out/optuna49"
  echo "== quality: Optuna 4.9 GPSampler on the same suite"
  PYTHONPATH="$out/optuna49" /usr/bin/python3 "$here/optuna_suite.py" --sampler gp \
    --expect-version 4.9.0 --seeds "$seeds" --trials "$trials" --out "$out/optuna49_gp.json"
  PYTHONPATH="$out/optuna49" /usr/bin/python3 "$here/optuna_suite.py" --sampler gp --suite extra \
    --expect-version 4.9.0 --seeds "$seeds" --trials "$trials" --out "$out/optuna49_gp_extra.json"
  echo "== latency: Optuna 4.9 GPSampler study.ask()"
  PYTHONPATH="$out/optuna49" /usr/bin/python3 "$here/optuna_latency.py" --sampler gp \
    --expect-version 4.9.0 --out "$out/optuna49_gp_latency.json"
}

[ "$only" = gp ] || run_tpe
[ "$only" = tpe ] || run_gp

/usr/bin/python3 "$here/compare.py" --dir "$out" --trials "$trials"
echo
echo "results: $out"
