#!/usr/bin/env bash
# End to end on a real Slurm: a private single-node cluster (its own munged,
# slurmctld and slurmd, config and state in a temp dir, ports no system Slurm
# uses), deploy/slurm/hpo-coordinator.sbatch as a job on loopback and a study
# of short trials, then
#   1. an array of two deploy/slurm/hpo-worker.sbatch tasks, chained to the
#      coordinator's job (--dependency=after), scancel'ed while trials run:
#      their workers give the trials back and they are retried;
#   2. a second array of two, one of them SIGKILLed: its trial's lease lapses
#      ("lease expired") and it is retried; the other finishes the study.
#   tests/deploy/slurm/slurm_e2e_test.sh BIN_DIR [SOURCE_DIR]      # hpo-coordinator, hpo-worker, hpo in BIN_DIR
#   tests/deploy/slurm/slurm_e2e_test.sh --build-dir BUILD_DIR [SOURCE_DIR]   # BUILD_DIR/{server,worker,client}/
# SOURCE_DIR defaults to this checkout. Runs as root (slurmd must); installs
# slurmctld slurmd slurm-client munge with apt-get when missing. Gives up after
# HPO_E2E_TIMEOUT seconds (default 300); HPO_E2E_KEEP=1 keeps the temp dir.
# Everything it starts is stopped on exit, whatever happens: the daemons run in
# sessions of their own (setsid), out of reach of the timeout's or a Ctrl-C's
# signal to this process group, and cleanup stops them in order.
set -euo pipefail
limit="${HPO_E2E_TIMEOUT:-300}"
if [ -z "${HPO_E2E_UNDER_TIMEOUT:-}" ]; then
  HPO_E2E_UNDER_TIMEOUT=1 exec timeout --kill-after=60 "$limit" "$BASH" "$0" "$@"
fi

usage() { sed -n '9,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
if [ "$1" = --build-dir ]; then
  [ $# -ge 2 ] || usage
  coordinator="$2/server/hpo-coordinator" worker="$2/worker/hpo-worker" cli="$2/client/hpo"
  shift 2
else
  coordinator="$1/hpo-coordinator" worker="$1/hpo-worker" cli="$1/hpo"
  shift
fi
src="$(cd "${1:-$(dirname "$0")/../../..}" && pwd)"
# shellcheck source=SCRIPTDIR/../../test_lib.sh
source "$src/tests/test_lib.sh"
for b in "$coordinator" "$worker" "$cli"; do
  [ -x "$b" ] || { echo "slurm_e2e: no executable $b" >&2; exit 2; }
done
coordinator="$(realpath "$coordinator")" worker="$(realpath "$worker")" cli="$(realpath "$cli")"
sbatch_script="$src/deploy/slurm/hpo-worker.sbatch"
[ -f "$sbatch_script" ] || { echo "slurm_e2e: no $sbatch_script" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "slurm_e2e: SKIP: must run as root (slurmd runs jobs as their users)"; exit 77; }

start=$SECONDS
say() { printf 'slurm_e2e [%3d s] %s\n' $((SECONDS - start)) "$*"; }

# --- Packages: Debian's Slurm 22.05 and munge.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
  ! command -v sbatch >/dev/null || ! command -v munged >/dev/null || ! command -v python3 >/dev/null; then
  say "installing slurmctld slurmd slurm-client munge"
  pkgs=(slurmctld slurmd slurm-client munge python3)
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${pkgs[@]}" >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${pkgs[@]}" >/dev/null; }
fi

work="$(mktemp -d /tmp/hpo-slurm-e2e.XXXXXX)"
chmod 711 "$work"  # munged wants every directory above its socket searchable
mkdir -m 755 "$work/run"
mkdir "$work/state" "$work/spool" "$work/log" "$work/jobs"
jobs=()
munged_pid="" ctld_pid="" slurmd_pid=""

# alive PID: the process runs (a zombie does not).
alive() {
  local stat
  [ -n "$1" ] && stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}
# stop PID...: SIGTERM, then SIGKILL after 10 s.
stop() {
  local pid
  for pid in "$@"; do alive "$pid" && kill "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    local any=0
    for pid in "$@"; do alive "$pid" && any=1; done
    [ "$any" -eq 1 ] || return 0
    sleep 0.2
  done
  for pid in "$@"; do alive "$pid" && kill -KILL "$pid" 2>/dev/null; done
  return 0
}

cleanup() {
  status=$?
  set +e
  trap - EXIT TERM INT
  if alive "$ctld_pid" && [ ${#jobs[@]} -gt 0 ]; then
    timeout 10 scancel "${jobs[@]}" 2>/dev/null
    for _ in $(seq 30); do
      [ -z "$(timeout 5 squeue -h 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  stop "$slurmd_pid"
  stop "$ctld_pid"
  stop "$munged_pid"
  # Anything left that Slurm started for us (slurmstepd, a worker) has our
  # SLURM_CONF in its environment, as this script (and its timeout) have.
  local left=() env pid
  for env in /proc/[0-9]*/environ; do
    pid="${env#/proc/}" pid="${pid%/environ}"
    case "$pid" in "$$" | "$PPID") continue ;; esac
    grep -qsz "^SLURM_CONF=$work/slurm.conf\$" "$env" && alive "$pid" && left+=("$pid")
  done
  [ ${#left[@]} -eq 0 ] || { say "stopping leftover processes ${left[*]}"; stop "${left[@]}"; }
  if [ "${HPO_E2E_KEEP:-}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
  say "cleaned up: no daemon of this test is left running"
  exit "$status"
}
trap cleanup EXIT
trap 'fail "global timeout (${limit} s)"' TERM
trap 'say "interrupted"; exit 1' INT

fail() {
  say "FAIL: $*"
  for f in "$work"/jobs/*.out "$work"/log/slurmctld.log "$work"/log/slurmd.log; do
    [ -f "$f" ] && { echo "--- last lines of ${f#"$work"/}"; tail -n 15 "$f"; }
  done
  exit 1
}

# --- munge: a key and a socket of our own.
mungekey --create --keyfile="$work/munge.key"
setsid munged -F --socket="$work/run/munge.sock" --key-file="$work/munge.key" \
  --pid-file="$work/run/munged.pid" --seed-file="$work/munged.seed" \
  --log-file="$work/log/munged.log" > "$work/log/munged.out" 2>&1 &
munged_pid=$!
munge_up() { munge -S "$work/run/munge.sock" -n -o /dev/null 2>/dev/null; }
wait_for 10 munged munge_up

# --- slurm.conf: one node, this machine addressed as 127.0.0.1, with 3 CPUs
# whatever it has (config_overrides): one for the coordinator's job, two for
# workers. No cgroups, two free ports; the daemons bind what the host name
# resolves to (NoCtldInAddrAny, NoInAddrAny), loopback here.
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
host="$(hostname -s)"
cat > "$work/slurm.conf" <<EOF
ClusterName=hpo-e2e
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/run/munge.sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=10
MailProg=/bin/true
NodeName=$host NodeAddr=127.0.0.1 CPUs=3 State=UNKNOWN
PartitionName=e2e Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
setsid slurmctld -D -i > "$work/log/slurmctld.out" 2>&1 &
ctld_pid=$!
ctld_up() { timeout 5 sinfo -h > /dev/null 2>&1; }
wait_for 20 slurmctld ctld_up
setsid slurmd -D -N "$host" > "$work/log/slurmd.out" 2>&1 &
slurmd_pid=$!
node_idle() { [ "$(timeout 5 sinfo -h -n "$host" -o %t 2>/dev/null)" = idle ]; }
wait_for 30 "node $host to be idle in sinfo" node_idle
listening="$(ss -Htlnp 2>/dev/null | awk '/slurm/ {printf "%s ", $4}')"
say "slurm up: node $host idle, slurmctld/slurmd listening on ${listening:-?}"

# --- The coordinator as a job: loopback (no TLS settings), a free port, the
# address in coordinator.addr; and a study of ~5 s trials (20 epochs of
# ~0.25 s: the check before scancel takes a second or two, so a trial must
# have epochs left to give back when SIGTERM comes).
coord_job="$(cd "$work/jobs" && timeout 20 sbatch --parsable --time=10 \
  --export="ALL,HPO_COORDINATOR_BIN=$coordinator,HPO_DB=$work/hpo.db,HPO_ADDR_FILE=$work/coordinator.addr,HPO_PORT=0" \
  "$src/deploy/slurm/hpo-coordinator.sbatch")" || fail "sbatch hpo-coordinator.sbatch failed"
jobs+=("$coord_job")
study=slurm-e2e
trials=8
cat > "$work/study.yaml" <<EOF
name: $study
sampler: {type: random, seed: 1}
max_trials: $trials
lease_seconds: 3
max_retries: 3
params:
  lr:           {type: float, low: 1.0e-3, high: 3.0e-2, log: true}
  weight_decay: {type: float, low: 1.0e-6, high: 1.0e-2, log: true}
task:
  dataset: {name: synthetic-regression, train_examples: 8000, validation_examples: 1000}
  model: {type: mlp, hidden: [512, 512], activation: relu}
  epochs: 20
  batch_size: 64
EOF
wait_for 30 "the coordinator's address in coordinator.addr" test -s "$work/coordinator.addr"
HPO_COORDINATOR="$(cat "$work/coordinator.addr")"
export HPO_COORDINATOR
"$cli" study create --spec "$work/study.yaml" > /dev/null
say "coordinator job $coord_job serves $HPO_COORDINATOR; study $study: $trials trials, lease_seconds 3"

# q QUERY [ARG]: a figure from the study's trials (JSON from hpo trials).
cat > "$work/q.py" <<'EOF'
import json, sys
try:
    trials = json.load(sys.stdin)
except ValueError:
    sys.exit(1)                 # hpo said why on stderr
query, arg = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
retried = {t["retry_of"] for t in trials if t["retry_of"] is not None}
if query == "count":          # trials in state ARG
    print(sum(t["state"] == arg for t in trials))
elif query == "early":        # RUNNING trials with fewer than ARG epochs reported
    print(sum(t["state"] == "RUNNING" and len(t["intermediate_values"]) < int(arg)
              for t in trials))
elif query == "running":      # numbers of RUNNING trials, of workers whose id holds ARG
    print(" ".join(str(t["number"]) for t in trials
                   if t["state"] == "RUNNING" and arg in t["worker_id"]))
elif query == "failed":       # numbers of FAILED trials whose reason is ARG
    print(" ".join(str(t["number"]) for t in trials
                   if t["state"] == "FAILED" and t["fail_reason"] == arg))
elif query == "unretried":    # ... of those, the ones not queued again
    print(" ".join(str(t["number"]) for t in trials if t["state"] == "FAILED"
                   and t["fail_reason"] == arg and t["number"] not in retried))
elif query == "state":        # state of trial number ARG
    print(next(t["state"] for t in trials if t["number"] == int(arg)))
EOF
q() { "$cli" trials "$study" --format json | python3 "$work/q.py" "$@"; }
study_state() { "$cli" study show "$study" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

# submit [SBATCH_OPTION] VAR=VALUE,...: an array of two worker tasks, one CPU
# each; its id in $job.
submit() {
  local args=(--parsable --array=0-1 --cpus-per-task=1 --time=10)
  [ $# -lt 2 ] || { args+=("$1"); shift; }
  args+=("--export=ALL,HPO_WORKER=$worker,HPO_STUDY=$study,$1")
  job="$(cd "$work/jobs" && timeout 20 sbatch "${args[@]}" "$sbatch_script")" ||
    fail "sbatch ${args[*]} failed"
  jobs+=("$job")
  say "sbatch ${args[*]} deploy/slurm/hpo-worker.sbatch: array $job"
}
tasks_running() { [ "$(timeout 5 squeue -h -r -j "$1" -t R | wc -l)" = "$2" ]; }
gone() { [ -z "$(timeout 5 squeue -h -j "$1" 2>/dev/null)" ]; }
running_is() { [ "$(q count RUNNING)" = "$1" ]; }
some_complete() { local n; n="$(q count COMPLETE)"; [ -n "$n" ] && [ "$n" != 0 ]; }

# --- 1. Two workers, then scancel while both train.
submit "--dependency=after:$coord_job" "HPO_COORDINATOR_FILE=$work/coordinator.addr"
first="$job"
wait_for 30 "both tasks of $first to run" tasks_running "$first" 2
wait_for 30 "two RUNNING trials" running_is 2
study_start=$SECONDS
wait_for 60 "a COMPLETE trial" some_complete
# Both in their first 6 of 20 epochs, so that neither is done when SIGTERM comes.
early() { [ "$(q early 7)" = 2 ]; }
wait_for 30 "two RUNNING trials in their first epochs" early
was_running="$(q running)"
timeout 20 scancel "$first" || fail "scancel $first failed"
say "scancel $first while trials $was_running were RUNNING"
wait_for 30 "array $first to leave squeue" gone "$first"
wait_for 15 "no RUNNING trial after scancel" running_is 0
for n in $was_running; do
  s="$(q state "$n")"
  case "$s" in
    FAILED | COMPLETE) ;;  # COMPLETE: SIGTERM came during its last epoch
    *) fail "trial $n, RUNNING at scancel, is $s" ;;
  esac
done
stopped="$(q failed "worker stopped")"
[ -n "$stopped" ] || fail "scancel gave no trial back (no FAILED \"worker stopped\")"
[ -z "$(q unretried "worker stopped")" ] || fail "trials $(q unretried "worker stopped") given back but not retried"
say "given back on SIGTERM: trials $stopped (FAILED \"worker stopped\", each queued again); $(q count COMPLETE) COMPLETE so far"

# --- 2. Two more workers: SIGKILL one while it trains, the other finishes.
submit "HPO_COORDINATOR=$HPO_COORDINATOR,HPO_EXIT_WHEN_IDLE=5"
second="$job"
wait_for 30 "both tasks of $second to run" tasks_running "$second" 2
killed_has_trial() { [ -n "$(q running "-${second}_1@")" ]; }
wait_for 30 "a RUNNING trial of task ${second}_1" killed_has_trial
victim="$(q running "-${second}_1@")"
timeout 20 scancel --batch --signal=KILL "${second}_1" || fail "scancel --signal=KILL ${second}_1 failed"
say "SIGKILLed task ${second}_1 while it trained trial $victim"
lapsed() { [ "$(q state "$victim")" = FAILED ]; }
wait_for 15 "trial $victim's lease to lapse" lapsed
expired="$(q failed "lease expired")"
[ "$expired" = "$victim" ] || fail "expected trial $victim FAILED \"lease expired\", got: ${expired:-none}"
[ -z "$(q unretried "lease expired")" ] || fail "trial $victim's lease lapsed but it was not retried"
say "trial $victim: FAILED \"lease expired\" ~3 s later, queued again"
completed() { [ "$(study_state)" = COMPLETED ]; }
wait_for 150 "study $study to be COMPLETED" completed
study_s=$((SECONDS - study_start))
wait_for 30 "array $second to exit once idle" gone "$second"

complete="$(q count COMPLETE)"
[ "$complete" -eq "$trials" ] || fail "$complete COMPLETE trials, expected $trials"
best="$("$cli" best "$study" --format json)" || fail "hpo best failed"
value="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])' <<< "$best")"
say "study COMPLETED; hpo best: trial $(python3 -c 'import json,sys; print(json.load(sys.stdin)["number"])' <<< "$best") val_loss $value"
failed="$(q count FAILED)"
timeout 20 scancel "$coord_job" || fail "scancel $coord_job failed"
wait_for 30 "the coordinator's job to end" gone "$coord_job"
grep -q "shutting down" "$work/jobs/hpo-coordinator-$coord_job.out" ||
  fail "the coordinator did not shut down on scancel"
[ ! -e "$work/coordinator.addr" ] || fail "coordinator.addr left behind by the coordinator's job"
say "scancel $coord_job: the coordinator shut down and removed coordinator.addr"
say "PASS: $complete trials COMPLETE, $(wc -w <<< "$stopped") given back by scancel (SIGTERM), 1 lease expired (SIGKILL), $failed FAILED in all; study ${study_s} s, test $((SECONDS - start)) s"
