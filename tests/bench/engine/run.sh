#!/usr/bin/env bash
# Engine benchmarks side by side with Debian's PyTorch:
#   1. the AdamW step in GB/s over 1M and 10M parameters, and a STREAM-style
#      triad as this machine's bandwidth ceiling (one thread each);
#   2. samples/s and 3-epoch test accuracy of a 784-256-128-10 ReLU MLP on
#      Fashion-MNIST, batch 128, AdamW lr 1e-3 wd 1e-2 (one thread each);
#   3. the same for the CNN conv(32)-relu-pool-conv(64)-relu-pool-linear(128)-
#      relu-linear(10), on one thread and on two (--threads 2 against
#      torch.set_num_threads(2)).
# Installs python3-torch and libopenblas0-pthread if missing, builds the
# benchmark binaries in $BUILD_DIR (default build-bench) and prints the ratios.
# About 10 minutes on 2 cores; EPOCHS=1 for a quicker look.
# Usage: tests/bench/engine/run.sh   (from anywhere)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${BUILD_DIR:-$root/build-bench}"
here="$root/tests/bench/engine"
epochs="${EPOCHS:-3}"

"$root/deploy/install-bench-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON > /dev/null
cmake --build "$build" -j"$(nproc)" --target hpo_adamw_bench hpo_mlp_bench hpo_cnn_bench > /dev/null
bench="$build/tests/engine/bench"
# Each side sets its own threads; nothing else may start any.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== AdamW step =="
"$bench/hpo_adamw_bench" | tee "$out/adamw"
/usr/bin/python3 "$here/adamw_bench.py" | tee "$out/torch_adamw"
echo
echo "== MLP 784-256-128-10, Fashion-MNIST, batch 128, $epochs epochs, one thread =="
"$bench/hpo_mlp_bench" "$epochs" | tee "$out/mlp"
/usr/bin/python3 "$here/train_bench.py" mlp "$epochs" | tee "$out/torch_mlp"
for threads in 1 2; do
  echo
  echo "== CNN, Fashion-MNIST, batch 128, $epochs epochs, $threads thread(s) =="
  "$bench/hpo_cnn_bench" "$epochs" 0 "$threads" | tee "$out/cnn$threads"
  /usr/bin/python3 "$here/train_bench.py" cnn "$epochs" 0 "$threads" | tee "$out/torch_cnn$threads"
done
echo
echo "== summary =="
/usr/bin/python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
last = lambda name: json.loads(open(f"{d}/{name}").read().strip().splitlines()[-1])
a, ta = last("adamw"), last("torch_adamw")
print(f"AdamW 10M: hpo {a['adamw_10m_gb_s']:.1f} GB/s, torch foreach {ta['torch_adamw_10m_gb_s']:.1f} GB/s, "
      f"ratio {a['adamw_10m_gb_s'] / ta['torch_adamw_10m_gb_s']:.2f}x; "
      f"{100 * a['adamw_10m_gb_s'] / a['triad_gb_s']:.0f}% of triad ({a['triad_gb_s']:.1f} GB/s)")
for name, label in [("mlp", "MLP, 1 thread"), ("cnn1", "CNN, 1 thread"), ("cnn2", "CNN, 2 threads")]:
    m, t = last(name), last("torch_" + name)
    print(f"{label}: hpo {m['samples_per_s']:.0f} samples/s, torch {t['samples_per_s']:.0f} samples/s, "
          f"ratio {m['samples_per_s'] / t['samples_per_s']:.2f}x; test accuracy hpo "
          f"{100 * m['test_accuracy']:.2f}%, torch {100 * t['test_accuracy']:.2f}% "
          f"({100 * (m['test_accuracy'] - t['test_accuracy']):+.2f} points)")
c1, c2 = last("cnn1"), last("cnn2")
t1, t2 = last("torch_cnn1"), last("torch_cnn2")
print(f"CNN speed-up from 1 to 2 threads: hpo {c2['samples_per_s'] / c1['samples_per_s']:.2f}x, "
      f"torch {t2['samples_per_s'] / t1['samples_per_s']:.2f}x")
PY
