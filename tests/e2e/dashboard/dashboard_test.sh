#!/usr/bin/env bash
# Browser test of the dashboard (server/http/web) on a real coordinator: two studies, an
# hpo-worker finishing trials of one while headless Chromium looks (dashboard_test.mjs:
# studies page, study page with every plot, a trial COMPLETE without reload, a trial's
# detail, no console errors, screenshots); then a second coordinator with --token-file: the
# API is 401 without the token and 200 with it (curl), and the page's token form.
#   tests/e2e/dashboard/dashboard_test.sh SOURCE_DIR BUILD_DIR
# Needs Node.js >= 20 with npm, curl, and chromium-headless-shell or chromium (Debian's);
# the npm registry for the first `npm ci` (playwright-core, into BUILD_DIR/dashboard-test,
# never the sources). Screenshots and logs: BUILD_DIR/dashboard-test/{screenshots,run}/.
# Only 127.0.0.1; gives up after HPO_E2E_TIMEOUT seconds (default 240); everything it
# starts is stopped on exit.
set -euo pipefail
limit="${HPO_E2E_TIMEOUT:-240}"
if [ -z "${HPO_E2E_UNDER_TIMEOUT:-}" ]; then
  HPO_E2E_UNDER_TIMEOUT=1 exec timeout --kill-after=30 "$limit" "$BASH" "$0" "$@"
fi
[ $# -eq 2 ] || { echo "usage: $0 SOURCE_DIR BUILD_DIR" >&2; exit 2; }
src="$(cd "$1" && pwd)"
build="$(cd "$2" && pwd)"
here="$src/tests/e2e/dashboard"
# shellcheck source=SCRIPTDIR/../../test_lib.sh
source "$src/tests/test_lib.sh"
coordinator="$build/server/hpo-coordinator" worker="$build/worker/hpo-worker" cli="$build/client/hpo"

start=$SECONDS
say() { printf 'dashboard_test [%3d s] %s\n' $((SECONDS - start)) "$*"; }
for b in "$coordinator" "$worker" "$cli"; do
  [ -x "$b" ] || { say "FAIL: no executable $b"; exit 1; }
done
for tool in node npm curl; do
  command -v "$tool" >/dev/null || { say "FAIL: $tool not found (apt-get install nodejs npm curl)"; exit 1; }
done
browser=""
for b in chromium-headless-shell /usr/bin/chromium; do
  if command -v "$b" >/dev/null; then browser="$(command -v "$b")" && break; fi
done
if [ -z "$browser" ]; then
  say "FAIL: no chromium-headless-shell or /usr/bin/chromium (apt-get install chromium-headless-shell)"
  exit 1
fi

work="$build/dashboard-test"
run="$work/run"            # databases, port files, logs of this run
shots="$work/screenshots"
npm_ci_locked "$here" "$work"
cp "$here/dashboard_test.mjs" "$work/"
rm -rf "$run" "$shots"
mkdir -p "$run" "$shots"

pids=()
# Stops what this script started: SIGTERM, SIGKILL after 10 s.
cleanup() {
  status=$?
  set +e
  trap - EXIT TERM INT
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null
  for _ in $(seq 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 1 ] || break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; done
  exit "$status"
}
trap cleanup EXIT
trap 'say "FAIL: global timeout (${limit} s)"; exit 1' TERM
trap 'say "interrupted"; exit 1' INT

fail() {
  say "FAIL: $*"
  for f in "$run"/*.log; do
    [ -f "$f" ] && { echo "--- last lines of ${f#"$run"/}"; tail -n 15 "$f"; }
  done
  exit 1
}

# start_coordinator NAME [OPTION...]: a coordinator on free loopback ports; its gRPC address
# in $grpc, its HTTP base URL in $url.
start_coordinator() {
  local name="$1"
  shift
  "$coordinator" --db "$run/$name.db" --listen 127.0.0.1:0 --port-file "$run/$name.grpc" \
    --http 127.0.0.1:0 --http-port-file "$run/$name.http" "$@" > "$run/$name.log" 2>&1 &
  pids+=($!)
  wait_for 20 "coordinator $name's port files" test -s "$run/$name.http" -a -s "$run/$name.grpc"
  grpc="$(cat "$run/$name.grpc")"
  url="http://$(cat "$run/$name.http")"
}
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }

# --- Two studies: one of 20 short trials (1-4 s: width 256-512 on 8000 examples, 20 epochs)
# that a worker runs while the page is open, one without a task.
live=dash-live other=dash-other
cat > "$run/live.yaml" <<EOF
name: $live
sampler: {type: random, seed: 5}
max_trials: 20
params:
  lr:           {type: float, low: 1.0e-3, high: 3.0e-2, log: true}
  weight_decay: {type: float, low: 1.0e-6, high: 1.0e-2, log: true}
  width:        {type: int, low: 256, high: 512}
  activation:   {type: categorical, choices: [relu, tanh]}
task:
  dataset: {name: synthetic-regression, train_examples: 8000, validation_examples: 500}
  model: {type: mlp, hidden: [256, 256], activation: relu}
  epochs: 20
  batch_size: 64
EOF
cat > "$run/other.yaml" <<EOF
name: $other
objective: {metric: loss, direction: minimize}
sampler: {type: tpe, seed: 3}
max_trials: 10
params:
  x:    {type: float, low: -10, high: 10}
  kind: {type: categorical, choices: [a, b, c]}
EOF

start_coordinator open
open_url="$url"
for spec in live other; do
  "$cli" --coordinator "$grpc" study create --spec "$run/$spec.yaml" > /dev/null || fail "hpo study create $spec.yaml failed"
done
for f in uPlot.iife.min.js uPlot.min.css echarts.min.js; do
  [ "$(status_of "$open_url/vendor/$f")" = 200 ] ||
    fail "$open_url/vendor/$f is not served: the coordinator was built without the npm plot libraries"
done
# A worker id of HTML: the page must show it as text.
worker_id='e2e-<img src=x onerror=window.dashboardXss=1>'
"$worker" --coordinator "$grpc" --study "$live" --worker-id "$worker_id" --exit-when-idle 5 > "$run/worker.log" 2>&1 &
pids+=($!)
complete_count() {
  "$cli" --coordinator "$grpc" trials "$live" --format json |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () =>
      console.log(JSON.parse(s).filter((t) => t.state === "COMPLETE").length))'
}
three_complete() { [ "$(complete_count)" -ge 3 ]; }
wait_for 60 "3 COMPLETE trials of $live" three_complete
say "coordinator at $open_url (gRPC $grpc), studies $live and $other; worker running, $(complete_count) of 20 trials COMPLETE"

# --- The token: a second coordinator with --token-file.
token="dash-$RANDOM$RANDOM"
printf '%s\n' "$token" > "$run/token"
chmod 600 "$run/token"
start_coordinator token --token-file "$run/token"
token_url="$url"
"$cli" --coordinator "$grpc" --token-file "$run/token" study create --spec "$run/other.yaml" > /dev/null ||
  fail "hpo study create with the token failed"
without="$(status_of "$token_url/api/studies")"
with="$(status_of -H "Authorization: Bearer $token" "$token_url/api/studies")"
page="$(status_of "$token_url/")"
if [ "$without" != 401 ] || [ "$with" != 200 ] || [ "$page" != 200 ]; then
  fail "with --token-file: /api/studies without the token $without (want 401), with it $with (want 200); / $page (want 200)"
fi
say "PASS token: /api/studies 401 without the token, 200 with it; / 200 without"

# --- The browser. In the background, so that a timeout's TERM reaches the trap at once.
say "browser $browser"
node "$work/dashboard_test.mjs" --browser "$browser" --url "$open_url" --screenshots "$shots" \
  --live "$live" --other "$other" --worker-id "$worker_id" --token-url "$token_url" --token "$token" \
  --wait 60 &
pids+=($!)
wait "$!" || fail "dashboard_test.mjs failed"
say "PASS: screenshots in $shots; test $((SECONDS - start)) s"
