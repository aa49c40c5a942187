#!/usr/bin/python3
"""Prints the TPE and GP benchmark tables side by side from the JSON files
the benchmarks wrote: TPE quality (ours through the service vs Optuna 3.1 run
here, with and without Optuna 3.5's density fix, vs the Optuna 4.9 figures of
benchmarks.md), GP quality (ours through the service vs Optuna 4.9.0's
GPSampler run here and its figures in benchmarks.md), parallel, latency of
both samplers.

  compare.py --dir DIR   (reads ours.json, optuna31.json, optuna31_fixed.json,
                          ours_gp.json, optuna49_gp.json, parallel.json,
                          latency.json, optuna_latency.json, latency_gp.json,
                          optuna49_gp_latency.json when present)
"""
import argparse
import json
import os

import numpy as np

# Optuna 4.9 TPE, from /work/shared/reference/benchmarks.md: median [q1, q3].
OPTUNA49 = {
    "branin/independent": (0.448, 0.424, 0.513),
    "branin/multivariate": (0.482, 0.419, 0.527),
    "styblinski_tang4/independent": (-137.8, -151.8, -134.1),
    "styblinski_tang4/multivariate": (-141.6, -150.2, -135.7),
    "rosenbrock4/independent": (129.9, 41.8, 182.2),
    "rosenbrock4/multivariate": (64.8, 32.4, 96.1),
    "mixed/independent": (0.00072, 0.00023, 0.0021),
    "mixed/multivariate": (0.00048, 0.00033, 0.00085),
}
# Optuna 4.9.0 GPSampler, from the same table.
OPTUNA49_GP = {
    "branin/gp": (0.39791, 0.39790, 0.39796),
    "styblinski_tang4/gp": (-142.3, -155.3, -130.1),
    "rosenbrock4/gp": (25.7, 10.6, 51.4),
    "mixed/gp": (7.3e-07, 2.6e-07, 1.4e-06),
}
ORDER = ["branin", "styblinski_tang4", "rosenbrock4", "mixed",
         # --suite extra: functions the samplers were not developed on
         "six_hump_camel", "hartmann3", "levy4", "trainer"]


def load(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def quartiles(values):
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return med, q1, q3


def p_better(ours, theirs):
    """The probability that one of our seeds ends below one of theirs (ties
    count half): 0.5 means no difference, whatever the medians say."""
    a = np.asarray(ours)[:, None]
    b = np.asarray(theirs)[None, :]
    return float(np.mean((a < b) + 0.5 * (a == b)))


def fmt(t):
    return f"{t[0]:.4g} [{t[1]:.4g}, {t[2]:.4g}]" if t else "-"


def print_gp_quality(ours, theirs, trials):
    """Ours GP vs Optuna 4.9.0's GPSampler, one row per function."""
    n = len(next(iter(ours.values())))
    print(f"\n## GP quality: best value after {trials} trials, median [q1, q3] over {n} seeds (minimise)")
    print("Both with their defaults (10 random startup trials, noise modelled). P: the chance"
          " that a seed of ours ends below a seed of Optuna's run here (ties half; 0.5: no"
          " difference). 'ok' when our median is at most that of Optuna run here.\n")
    print(f"| {'function':18} | {'hpo GP (service)':32} | {'Optuna 4.9 GP (run here)':32} "
          f"| P ours better | {'Optuna 4.9 GP (benchmarks.md)':32} | vs run |")
    print("|" + "---|" * 6)
    for name in ORDER:
        key = f"{name}/gp"
        if key not in ours:
            continue
        a = quartiles(ours[key])
        b = quartiles(theirs[key]) if theirs and key in theirs else None
        p = f"{p_better(ours[key], theirs[key]):.2f}" if b else "-"
        verdict = "-" if not b else ("ok" if a[0] <= b[0] else "worse")
        print(f"| {name:18} | {fmt(a):32} | {fmt(b):32} | {p:>13} "
              f"| {fmt(OPTUNA49_GP.get(key)):32} | {verdict:6} |")
    if not theirs:
        print("\n(no optuna49_gp.json: Optuna 4.9 was not run here; set OPTUNA49_SRC, see run.sh;"
              " the benchmarks.md column is for 100 trials, 20 seeds)")


def print_gp_latency(ours, theirs):
    """Ours GP in process vs Optuna 4.9's GPSampler study.ask()."""
    print("\n## GP latency of one suggestion, 4 parameters (ms; ours in process, warm = one more"
          " trial finished since the previous call)\n")
    print(f"| {'finished trials':15} | hpo cold | hpo warm | hpo warm CPU | Optuna 4.9 GP ask() "
          f"| Optuna / hpo warm |")
    print("|" + "---|" * 6)
    for key, v in ours.items():
        o = theirs.get(key, {}).get("ms") if theirs else None
        ratio = f"{o / v['warm_ms']:.1f}x" if o else "-"
        os_ = f"{o:.1f}" if o else "-"
        print(f"| {key.split('/')[1]:15} | {v['cold_ms']:8.1f} | {v['warm_ms']:8.1f} "
              f"| {v['warm_cpu_ms']:12.1f} | {os_:>19} | {ratio:>17} |")


def print_parallel(parallel, sequential):
    print(f"\n## Parallel: 8 workers asking at once, 100 trials")
    print(f"trials asked: {parallel['asked']}; asked while an identical trial was RUNNING: "
          f"{parallel['duplicates_running']}; identical to any earlier trial: "
          f"{parallel['duplicates_total']}\n")
    print(f"| {'function/mode':30} | {'parallel median [q1, q3]':30} | "
          f"{'sequential median [q1, q3]':30} | parallel median within sequential [q1, q3] |")
    print("|" + "---|" * 4)
    for name in ORDER:
        for mode in ("independent", "multivariate", "gp"):
            key = f"{name}/{mode}"
            if key not in parallel or key not in sequential:
                continue
            p, s = quartiles(parallel[key]), quartiles(sequential[key])
            inside = "yes" if s[1] <= p[0] <= s[2] else ("better" if p[0] < s[1] else "no")
            print(f"| {key:30} | {fmt(p):30} | {fmt(s):30} | {inside} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--trials", type=int, default=100, help="of the quality runs")
    args = parser.parse_args()
    ours = load(args.dir, "ours.json")
    optuna31 = load(args.dir, "optuna31.json")
    fixed = load(args.dir, "optuna31_fixed.json")
    if ours:
        n = len(next(iter(ours.values())))
        print(f"\n## Quality: best value after {args.trials} trials, median [q1, q3] over {n} seeds (minimise)")
        print("'ok' when our median is at most Optuna's. P: the chance that a seed of ours ends"
              " below a seed of the peer's, from every pair in this run (0.5: no difference);"
              " medians of 20 seeds move a lot, P says whether a 'worse' is more than noise."
              " '3.1 + fix': Optuna 3.1 with the -log(sigma) term that Optuna 3.5 added to its"
              " kernel density.\n")
        print(f"| {'function/mode':30} | {'hpo TPE (service)':30} | {'Optuna 3.1 (run here)':30} "
              f"| P vs 3.1 | {'3.1 + fix (run here)':30} | P vs fix "
              f"| {'Optuna 4.9 (benchmarks.md)':30} | vs 3.1 | vs 4.9 |")
        print("|" + "---|" * 9)
        for name in ORDER:
            for mode in ("independent", "multivariate"):
                key = f"{name}/{mode}"
                a = quartiles(ours[key]) if key in ours else None
                b = quartiles(optuna31[key]) if optuna31 and key in optuna31 else None
                c = OPTUNA49[key]
                vs31 = "-" if not (a and b) else ("ok" if a[0] <= b[0] else "worse")
                vs49 = "-" if not a else ("ok" if a[0] <= c[0] else "worse")
                p = f"{p_better(ours[key], optuna31[key]):.2f}" if a and b else "-"
                f = quartiles(fixed[key]) if fixed and key in fixed else None
                pf = f"{p_better(ours[key], fixed[key]):.2f}" if a and f else "-"
                print(f"| {key:30} | {fmt(a):30} | {fmt(b):30} | {p:>8} | {fmt(f):30} | {pf:>8} "
                      f"| {fmt(c):30} | {vs31:6} | {vs49:6} |")
    ours_gp = load(args.dir, "ours_gp.json")
    if ours_gp:
        print_gp_quality(ours_gp, load(args.dir, "optuna49_gp.json"), args.trials)
    ours_gp_extra = load(args.dir, "ours_gp_extra.json")
    if ours_gp_extra:
        print_gp_quality(ours_gp_extra, load(args.dir, "optuna49_gp_extra.json"), args.trials)
    sequential = {**(ours or {}), **(ours_gp or {})}
    for parallel in (load(args.dir, "parallel.json"), load(args.dir, "parallel_gp.json")):
        if parallel and sequential:
            print_parallel(parallel, sequential)
    latency = load(args.dir, "latency.json")
    optuna_latency = load(args.dir, "optuna_latency.json")
    if latency:
        print("\n## Latency of one suggestion, 4 parameters (ms; ours in process, warm = one more "
              "trial finished since the previous call)\n")
        print(f"| {'mode/finished trials':24} | hpo cold | hpo warm | hpo warm p90 | hpo warm CPU | Optuna 3.1 ask() | Optuna / hpo warm |")
        print("|" + "---|" * 7)
        for key, v in latency.items():
            o = optuna_latency.get(key, {}).get("ms") if optuna_latency else None
            ratio = f"{o / v['warm_ms']:.0f}x" if o else "-"
            os_ = f"{o:.1f}" if o else "-"
            print(f"| {key:24} | {v['cold_ms']:8.3f} | {v['warm_ms']:8.3f} | {v['warm_p90_ms']:12.3f} "
                  f"| {v.get('warm_cpu_ms', float('nan')):12.3f} | {os_:>16} | {ratio:>17} |")

    latency_gp = load(args.dir, "latency_gp.json")
    if latency_gp:
        print_gp_latency(latency_gp, load(args.dir, "optuna49_gp_latency.json"))


if __name__ == "__main__":
    main()
