#!/usr/bin/env bash
# Tunes examples/pytorch/train.py, a PyTorch MLP on Fashion-MNIST, with a
# local coordinator (a free loopback port, the database in hpo-pytorch/):
#   examples/pytorch/run.sh agent    two `hpo agent`s run the script per trial
#   examples/pytorch/run.sh client   optimize.py, through the Python client
# Installs and builds what it needs (deploy/build.sh, Debian's python3-torch).
# Run it again to go on with the same study; delete hpo-pytorch/ to start over.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/examples/pytorch"
mode="${1:-agent}"
case "$mode" in agent | client) ;; *) echo "usage: $0 agent|client" >&2; exit 2 ;; esac
"$root/deploy/build.sh"
"$root/deploy/install-packages.sh" python3-torch python3-numpy
hpo="$root/build/client/hpo"
work="${WORK_DIR:-hpo-pytorch}"
mkdir -p "$work"
rm -f "$work/address"
"$root/build/server/hpo-coordinator" --listen 127.0.0.1:0 --db "$work/pytorch.db" \
  --port-file "$work/address" 2>>"$work/coordinator.log" &
coordinator=$!
agents=()
stop() {
  if [ ${#agents[@]} -gt 0 ]; then  # (a bare `wait` would wait for the coordinator)
    kill "${agents[@]}" 2>/dev/null || true
    wait "${agents[@]}" 2>/dev/null || true
  fi
  kill "$coordinator" 2>/dev/null || true
  wait "$coordinator" 2>/dev/null || true
}
trap stop EXIT
for _ in $(seq 100); do
  [ -s "$work/address" ] && break
  sleep 0.1
done
export HPO_COORDINATOR="$(cat "$work/address")"
echo "coordinator on $HPO_COORDINATOR, database $work/pytorch.db"

if [ "$mode" = agent ]; then
  study=pytorch-fashion-mnist
  "$hpo" study create --spec "$here/study.yaml" --load-if-exists
  for i in 1 2; do  # one per core
    "$hpo" agent "$study" -- /usr/bin/python3 "$here/train.py" >"$work/agent-$i.log" 2>&1 &
    agents+=($!)
  done
  echo "two agents running train.py (logs: $work/agent-1.log, $work/agent-2.log)"
  "$hpo" watch "$study"
  wait "${agents[@]}"
  agents=()
  "$hpo" best "$study"
else
  PYTHONPATH="$root/build/python" /usr/bin/python3 "$here/optimize.py"
fi
