#!/usr/bin/env bash
# What tuning one's own code costs per trial (issue 15): hpo agent's overhead
# beyond the command's own run time, and the Python client's ask+tell round
# trip next to Debian's Optuna 3.1 on SQLite and in memory:
#   tests/bench/agent/run.sh [BUILD_DIR]      (default: build)
# TRIALS (default 300) agent trials, ROUNDS (default 500) ask+tell rounds.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${1:-$root/build}"
"$root/deploy/install-bench-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" -j2 --target hpo-coordinator hpo hpo_python
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
PYTHONPATH="$build/python" /usr/bin/python3 "$root/tests/bench/agent/agent_bench.py" \
  --hpo "$build/client/hpo" --coordinator "$build/server/hpo-coordinator" \
  --trials "${TRIALS:-300}" --rounds "${ROUNDS:-500}"
