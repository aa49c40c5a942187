#!/usr/bin/env bash
# Pruning benchmark: the same Fashion-MNIST study (40 trials, 9 epochs, 2
# workers) without a pruner and with ASHA, for several sampler seeds. Prints the
# wall time and best validation loss of each run, the wall-time ratio and
# whether ASHA's best loss lies within the unpruned runs' spread.
#
#   tests/bench/pruning/run.sh [SEEDS...]     (default seeds: 1 2 3)
#   ASHA='{type: asha, min_resource: 1, reduction_factor: 3}' tests/bench/pruning/run.sh  (other settings)
set -euo pipefail
cd "$(dirname "$0")/../../.."
./deploy/build.sh >/dev/null
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Arithmetic and comparisons (1 or 0); the parentheses keep awk from reading
# `a > b` as a redirection.
calc() { awk "BEGIN { print ($*) }"; }

declare -A wall cpu best
printf '%-6s %-6s %8s %8s %14s %9s %7s %7s\n' seed pruner wall_s cpu_s best_val_loss complete pruned epochs
for seed in "${seeds[@]}"; do
  for pruner in none asha; do
    case $pruner in
      none) block='{type: none}' ;;
      asha) block=${ASHA:-'{type: asha, min_resource: 2, reduction_factor: 2}'} ;;
    esac
    spec="$work/$pruner-$seed.yaml"
    sed -e "s/@SEED@/$seed/" -e "s/@PRUNER@/$block/" tests/bench/pruning/study.yaml.in >"$spec"
    db="$work/$pruner-$seed.db"
    # Wall time, and the CPU seconds of hpo run and everything it started
    # (coordinator, workers): the second holds up when other work shares the machine.
    TIMEFORMAT='%R %U %S'
    { time build/client/hpo run --spec "$spec" --workers 2 --db "$db" \
        --log-dir "$work/logs-$pruner-$seed" >/dev/null; } 2>"$work/time"
    read -r real user sys <"$work/time"
    wall[$pruner-$seed]=$real
    cpu[$pruner-$seed]=$(calc "$user + $sys")
    # state 3 is COMPLETE, 4 PRUNED (hpo.v1.Trial.State).
    best[$pruner-$seed]=$(sqlite3 "$db" "SELECT printf('%.4f', min(value)) FROM trials WHERE state = 3")
    complete=$(sqlite3 "$db" "SELECT count(*) FROM trials WHERE state = 3")
    pruned=$(sqlite3 "$db" "SELECT count(*) FROM trials WHERE state = 4")
    epochs=$(sqlite3 "$db" "SELECT count(*) FROM trial_intermediate_values")
    printf '%-6s %-6s %8.1f %8.1f %14s %9s %7s %7s\n' "$seed" "$pruner" "${wall[$pruner-$seed]}" \
      "${cpu[$pruner-$seed]}" "${best[$pruner-$seed]}" "$complete" "$pruned" "$epochs"
  done
done

total_none=0 total_asha=0 cpu_none=0 cpu_asha=0 lo="" hi=""
for seed in "${seeds[@]}"; do
  total_none=$(calc "$total_none + ${wall[none-$seed]}")
  total_asha=$(calc "$total_asha + ${wall[asha-$seed]}")
  cpu_none=$(calc "$cpu_none + ${cpu[none-$seed]}")
  cpu_asha=$(calc "$cpu_asha + ${cpu[asha-$seed]}")
  b=${best[none-$seed]}
  if [ -z "$lo" ] || [ "$(calc "$b < $lo")" = 1 ]; then lo=$b; fi
  if [ -z "$hi" ] || [ "$(calc "$b > $hi")" = 1 ]; then hi=$b; fi
done
printf '\nwall time: none %.1f s, asha %.1f s in all: asha is %.2fx faster\n' \
  "$total_none" "$total_asha" "$(calc "$total_none / $total_asha")"
printf 'cpu time:  none %.1f s, asha %.1f s in all: asha uses %.2fx less\n' \
  "$cpu_none" "$cpu_asha" "$(calc "$cpu_none / $cpu_asha")"
printf 'best val loss without pruning over seeds: [%s, %s]\n' "$lo" "$hi"
for seed in "${seeds[@]}"; do
  b=${best[asha-$seed]}
  verdict="within"
  [ "$(calc "$b < $lo")" = 1 ] && verdict="better than"
  [ "$(calc "$b > $hi")" = 1 ] && verdict="OUTSIDE (worse than)"
  printf 'asha seed %s: best %s, %s the unpruned spread\n' "$seed" "$b" "$verdict"
done
