#!/usr/bin/env bash
# The dashboard at 100,000 trials (issue #16), on this machine:
#   tests/bench/dashboard/run.sh [BUILD_DIR]      (default: build)
# Starts hpo-coordinator with --http on 127.0.0.1, fills one study with
# $TRIALS (default 100,000) trials of 10 intermediate values each (5% FAILED,
# 15% PRUNED), then prints: the time of each /api call the page makes (one page
# of 10,000 trials among them), the coordinator's RSS, the gRPC latency of 16
# workers (acquire -> 20 ms -> complete) on that study without a browser, then
# the page's first render in headless Chromium (table shown; every plot drawn:
# interactive) and the same gRPC load while the page stays open and polls, with
# the p99 ratio. Needs Node.js with npm and chromium-headless-shell (as
# deploy/test.sh installs them). Results in $OUT (default: a fresh temp dir).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${1:-$root/build}"
out="${OUT:-$(mktemp -d)}"
trials="${TRIALS:-100000}"
load_secs="${LOAD_SECONDS:-15}"
here="$root/tests/bench/dashboard"
# shellcheck source=SCRIPTDIR/../../test_lib.sh
source "$root/tests/test_lib.sh"
mkdir -p "$out"
fail() { echo "dashboard bench: $*" >&2; exit 1; }

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" -j2 --target hpo-coordinator dashboard_bench
browser="$(command -v chromium-headless-shell || command -v chromium || true)"
[ -n "$browser" ] || { echo "no chromium-headless-shell (apt-get install chromium-headless-shell)"; exit 1; }
# playwright-core, as the browser test pins it
npm_ci_locked "$root/tests/e2e/dashboard" "$out/node"
cp "$here/dashboard_bench.mjs" "$out/node/"

rm -f "$out/address" "$out/http-address" "$out/dash.db"*
"$build/server/hpo-coordinator" --listen 127.0.0.1:0 --http 127.0.0.1:0 --db "$out/dash.db" \
  --port-file "$out/address" --http-port-file "$out/http-address" 2>"$out/coordinator.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
wait_for 30 "the coordinator (see $out/coordinator.log)" test -s "$out/http-address"
grpc="$(cat "$out/address")" http="$(cat "$out/http-address")"
bench=("$build/tests/bench/dashboard/dashboard_bench" --coordinator "$grpc" --http "$http" --pid "$pid")
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== fill: $trials trials"
"${bench[@]}" --fill "$trials" --out "$out/fill.json"
echo "== the page's /api calls on the ${trials}-trial study (20 each, one at a time)"
"${bench[@]}" --api --out "$out/api.json"
echo "== gRPC without a browser"
"${bench[@]}" --load-seconds "$load_secs" --out "$out/load_alone.json"
echo "== gRPC while the page's polls are replayed over HTTP (no browser)"
"${bench[@]}" --load-seconds "$load_secs" --http-poll --out "$out/load_http_polls.json"
echo "== the study page in headless Chromium, then gRPC while it polls"
rm -f "$out/rendered"
node "$out/node/dashboard_bench.mjs" --browser "$browser" --url "http://$http" \
  --study dashboard-100k --poll-seconds $((load_secs + 5)) --rendered "$out/rendered" \
  --out "$out/page.json" &
page=$!
wait_for 120 "the page to render" test -e "$out/rendered"
"${bench[@]}" --load-seconds "$load_secs" --out "$out/load_polled.json"
wait "$page"
echo
/usr/bin/python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
j = lambda n: json.load(open(f"{d}/{n}.json"))
api, page = j("api")["api"], j("page")
runs = {"alone": j("load_alone")["load"], "polls over HTTP": j("load_http_polls")["load"],
        "browser polling": j("load_polled")["load"]}
print(f"page interactive (every plot drawn): {page['interactive_ms']} ms (target < 2000)")
for key, what in (("trials_10000_no_steps", "as the page asks, steps=0"),
                  ("trials_10000_first", "with every intermediate value")):
    t = api[key]
    print(f"one /api page of up to 10,000 trials, {what}: {t['trials']} trials, {t['bytes'] / 1e6:.1f} MB, "
          f"p50 {t['p50_ms']:.1f} ms, max {t['max_ms']:.1f} ms (target < 100)")
alone = runs["alone"]
for name, run in runs.items():
    ratios = ", ".join(f"{call} p99 {run[call]['p99_ms']:.2f} ms ({run[call]['p99_ms'] / alone[call]['p99_ms']:.2f}x)"
                       for call in ("acquire", "complete"))
    cpu = run["coordinator_cpu_s"] / run["wall_s"]
    print(f"gRPC, {name}: {ratios}; coordinator CPU {cpu:.2f} cores ({cpu / (alone['coordinator_cpu_s'] / alone['wall_s']):.2f}x)")
print(f"coordinator RSS: {api['rss_mb']:.0f} MB after the /api calls, peak {runs['browser polling']['peak_rss_mb']:.0f} MB")
PY
echo "results: $out (took ${SECONDS} s)"
