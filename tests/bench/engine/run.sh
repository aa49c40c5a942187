#!/usr/bin/env bash
# Engine benchmarks side by side with Debian's PyTorch (one thread each):
#   1. the AdamW step in GB/s over 1M and 10M parameters, and a STREAM-style
#      triad as this machine's bandwidth ceiling;
#   2. samples/s and 3-epoch test accuracy of a 784-256-128-10 ReLU MLP on
#      Fashion-MNIST, batch 128, AdamW lr 1e-3 wd 1e-2.
# Installs python3-torch and libopenblas0-pthread if missing, builds the two
# benchmark binaries in $BUILD_DIR (default build-bench) and prints the ratios.
# Usage: tests/bench/engine/run.sh   (from anywhere)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${BUILD_DIR:-$root/build-bench}"
here="$root/tests/bench/engine"

"$root/deploy/install-bench-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON > /dev/null
cmake --build "$build" -j"$(nproc)" --target hpo_adamw_bench hpo_mlp_bench > /dev/null
bench="$build/tests/engine/bench"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

json() { tail -n 1 "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== AdamW step =="
"$bench/hpo_adamw_bench" | tee "$out/adamw"
/usr/bin/python3 "$here/adamw_bench.py" | tee "$out/torch_adamw"
echo
echo "== MLP 784-256-128-10, Fashion-MNIST, batch 128, 3 epochs =="
"$bench/hpo_mlp_bench" 3 | tee "$out/mlp"
/usr/bin/python3 "$here/mlp_bench.py" | tee "$out/torch_mlp"
echo
echo "== summary =="
/usr/bin/python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
last = lambda name: json.loads(open(f"{d}/{name}").read().strip().splitlines()[-1])
a, ta, m, tm = last("adamw"), last("torch_adamw"), last("mlp"), last("torch_mlp")
print(f"AdamW 10M: hpo {a['adamw_10m_gb_s']:.1f} GB/s, torch foreach {ta['torch_adamw_10m_gb_s']:.1f} GB/s, "
      f"ratio {a['adamw_10m_gb_s'] / ta['torch_adamw_10m_gb_s']:.2f}x; "
      f"{100 * a['adamw_10m_gb_s'] / a['triad_gb_s']:.0f}% of triad ({a['triad_gb_s']:.1f} GB/s)")
print(f"MLP: hpo {m['samples_per_s']:.0f} samples/s, torch {tm['samples_per_s']:.0f} samples/s, "
      f"ratio {m['samples_per_s'] / tm['samples_per_s']:.2f}x")
print(f"3-epoch test accuracy: hpo {100 * m['test_accuracy']:.2f}%, torch {100 * tm['test_accuracy']:.2f}%, "
      f"difference {100 * (m['test_accuracy'] - tm['test_accuracy']):+.2f} points")
PY
