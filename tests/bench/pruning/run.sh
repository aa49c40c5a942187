#!/usr/bin/env bash
# Pruning benchmark: the same Fashion-MNIST study (40 trials, 9 epochs, 2
# workers) without a pruner and with ASHA, for several sampler seeds. Prints the
# wall time and best validation loss of each run, the wall-time ratio and
# whether ASHA's best loss lies within the unpruned runs' spread.
#
#   tests/bench/pruning/run.sh [SEEDS...]     (default seeds: 1 2 3)
set -euo pipefail
cd "$(dirname "$0")/../../.."
./deploy/build.sh >/dev/null
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
calc() { awk "BEGIN { print $* }"; }  # arithmetic and comparisons (1 or 0)

declare -A wall best
printf '%-6s %-6s %10s %12s %9s %8s\n' seed pruner wall_s best_val_loss complete pruned
for seed in "${seeds[@]}"; do
  for pruner in none asha; do
    case $pruner in
      none) block='{type: none}' ;;
      asha) block='{type: asha, min_resource: 1, reduction_factor: 3}' ;;
    esac
    spec="$work/$pruner-$seed.yaml"
    sed -e "s/@SEED@/$seed/" -e "s/@PRUNER@/$block/" tests/bench/pruning/study.yaml.in >"$spec"
    db="$work/$pruner-$seed.db"
    start=$(date +%s.%N)
    build/client/hpo run --spec "$spec" --workers 2 --db "$db" --log-dir "$work/logs-$pruner-$seed" >/dev/null
    end=$(date +%s.%N)
    wall[$pruner-$seed]=$(calc "$end - $start")
    # state 3 is COMPLETE, 4 PRUNED (hpo.v1.Trial.State).
    best[$pruner-$seed]=$(sqlite3 "$db" "SELECT printf('%.4f', min(value)) FROM trials WHERE state = 3")
    complete=$(sqlite3 "$db" "SELECT count(*) FROM trials WHERE state = 3")
    pruned=$(sqlite3 "$db" "SELECT count(*) FROM trials WHERE state = 4")
    printf '%-6s %-6s %10.1f %12s %9s %8s\n' "$seed" "$pruner" "${wall[$pruner-$seed]}" \
      "${best[$pruner-$seed]}" "$complete" "$pruned"
  done
done

total_none=0 total_asha=0 lo="" hi=""
for seed in "${seeds[@]}"; do
  total_none=$(calc "$total_none + ${wall[none-$seed]}")
  total_asha=$(calc "$total_asha + ${wall[asha-$seed]}")
  b=${best[none-$seed]}
  if [ -z "$lo" ] || [ "$(calc "$b < $lo")" = 1 ]; then lo=$b; fi
  if [ -z "$hi" ] || [ "$(calc "$b > $hi")" = 1 ]; then hi=$b; fi
done
printf '\nwall time: none %.1f s, asha %.1f s in all: asha is %.2fx faster\n' \
  "$total_none" "$total_asha" "$(calc "$total_none / $total_asha")"
printf 'best val loss without pruning over seeds: [%s, %s]\n' "$lo" "$hi"
for seed in "${seeds[@]}"; do
  b=${best[asha-$seed]}
  verdict="within"
  [ "$(calc "$b < $lo")" = 1 ] && verdict="better than"
  [ "$(calc "$b > $hi")" = 1 ] && verdict="OUTSIDE (worse than)"
  printf 'asha seed %s: best %s, %s the unpruned spread\n' "$seed" "$b" "$verdict"
done
