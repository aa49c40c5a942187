#!/usr/bin/env bash
# The coordinator at speed (issue #7): hpo-coordinator under load over gRPC on
# loopback, durable SQLite, against Debian's python3-optuna on the same
# workload, printed as one table:
#   tests/bench/coordinator/run.sh [BUILD_DIR]      (default: build)
# Installs the bench deps, builds the coordinator, the CLI and the load
# generator, then runs: random ask+tell and acquire+complete with 1 and 8
# clients; TPE with 2,000 prefilled trials, 8 clients; 200 clients with think
# times 0 and 100 ms; a 100,000-trial study (peak RSS, paged list, best, the
# CLI's CSV of the whole study after a restart). Optuna runs are bounded by
# OPTUNA_SECONDS (default 20) each, hpo runs by SECONDS_PER_RUN (default 10).
# Databases go under $TMPDIR (default /tmp), which must be a real disk for the
# figures to be durable ones. Results stay in $OUT (default: a fresh temp
# directory), printed at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${1:-$root/build}"
out="${OUT:-$(mktemp -d)}"
secs="${SECONDS_PER_RUN:-10}"
optuna_secs="${OPTUNA_SECONDS:-20}"
mem_trials="${MEM_TRIALS:-100000}"
here="$root/tests/bench/coordinator"
bench="$build/tests/bench/coordinator/coordinator_load_bench"
export TMPDIR="${TMPDIR:-/tmp}"
mkdir -p "$out"

"$root/deploy/install-bench-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" -j2 --target hpo-coordinator hpo coordinator_load_bench

fs="$(findmnt -n -o FSTYPE -T "$TMPDIR" || echo unknown)"
echo "databases in $TMPDIR ($fs)"
if [ "$fs" = tmpfs ]; then
  echo "warning: $TMPDIR is tmpfs: fsync costs nothing there, the figures are not durable ones"
fi
# Client and coordinator share the machine: anything else running skews both.
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"

ours() {  # ours NAME ARGS...: one coordinator_load_bench run; errors do not stop the script
  local name="$1"
  shift
  echo "== hpo: $name"
  HPO_BUILD_DIR="$build" "$bench" --out "$out/$name.json" "$@" || echo "(exit status $?)"
}
theirs() {  # theirs NAME ARGS...: one optuna_load.py run
  local name="$1"
  shift
  echo "== Optuna: $name"
  /usr/bin/python3 "$here/optuna_load.py" --seconds "$optuna_secs" --out "$out/$name.json" "$@" ||
    echo "(exit status $?)"
}

# (1) random sampler, both APIs, 1 and 8 clients
for n in 1 8; do
  ours "hpo_ask_$n" --mode ask --sampler random --clients "$n" --seconds "$secs"
  ours "hpo_acquire_$n" --mode acquire --sampler random --clients "$n" --seconds "$secs"
  theirs "optuna_random_$n" --sampler random --clients "$n"
done
# (2) TPE on a study that already has 2,000 trials; few enough measured
# trials that the study stays near that size.
ours hpo_tpe_ask_8 --mode ask --sampler tpe --prefill 2000 --clients 8 --trials 1000 \
  --seconds "$secs"
ours hpo_tpe_acquire_8 --mode acquire --sampler tpe --prefill 2000 --clients 8 --trials 1000 \
  --seconds "$secs"
theirs optuna_tpe_8 --sampler tpe --prefill 2000 --clients 8
# (3) 200 concurrent workers, closed loop, without and with training time
ours hpo_acquire_200 --mode acquire --clients 200 --seconds "$secs"
ours hpo_acquire_200_think --mode acquire --clients 200 --think-ms 100 --seconds "$secs"
theirs optuna_random_200 --sampler random --clients 200
theirs optuna_random_200_think --sampler random --clients 200 --think-ms 100
# (4) memory: one big study, kept for the restart below (at most 300 s of filling)
rm -rf "$out/memory"
ours hpo_memory --mode acquire --sampler random --clients 8 --trials "$mem_trials" \
  --seconds "${MEM_SECONDS:-300}" --list-check --db-dir "$out/memory"

# The same study after a restart: load time, memory, and the CLI on it.
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
echo "== hpo: restart on the ${mem_trials}-trial database, CLI queries"
rm -f "$out/memory/address"
start="$(now)"
"$build/server/hpo-coordinator" --listen 127.0.0.1:0 --db "$out/memory/load.db" \
  --port-file "$out/memory/address" 2>"$out/memory/restart.log" &
pid=$!
for _ in $(seq 600); do [ -s "$out/memory/address" ] && break; sleep 0.05; done
if [ ! -s "$out/memory/address" ]; then
  echo "hpo-coordinator did not serve $out/memory/load.db within 30 s; see $out/memory/restart.log"
  kill "$pid" || true
  exit 1
fi
reload_s="$(since "$start")"
address="$(cat "$out/memory/address")"
rss_mb="$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")"
cli="$build/client/hpo"
start="$(now)"
"$cli" trials load-random --format csv --coordinator "$address" >"$out/memory/trials.csv"
csv_s="$(since "$start")"
csv_rows=$(($(wc -l <"$out/memory/trials.csv") - 1))
start="$(now)"
"$cli" best load-random --coordinator "$address" >/dev/null
best_s="$(since "$start")"
start="$(now)"
"$cli" study show load-random --coordinator "$address" >/dev/null
show_s="$(since "$start")"
peak_mb="$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")"
kill "$pid"
wait "$pid" || true
printf '{"reload_s": %s, "rss_mb": %s, "peak_rss_mb": %s, "csv_s": %s, "csv_rows": %s, '\
'"best_s": %s, "show_s": %s}\n' "$reload_s" "$rss_mb" "$peak_mb" "$csv_s" "$csv_rows" \
  "$best_s" "$show_s" >"$out/restart.json"
rm -f "$out/memory/trials.csv"

echo
/usr/bin/python3 "$here/compare.py" --dir "$out"
echo
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results: $out (took ${SECONDS} s)"
