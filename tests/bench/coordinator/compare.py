#!/usr/bin/python3
"""Prints the table of tests/bench/coordinator/run.sh from the JSON files it
left in --dir: hpo (coordinator_load_bench) beside Optuna (optuna_load.py),
the ratio, and issue #7's targets.
"""
import argparse
import json
import os


def load(directory, name):
    path = os.path.join(directory, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def take(result):
    """The latency of taking a trial: acquire, else ask."""
    return result.get("acquire") or result.get("ask") or {"n": 0}


def rate(result):
    return f"{result['trials_per_s']:,.1f}" if result else "n/a"


def p50_p99(q):
    return f"{q['p50_ms']:.2f} / {q['p99_ms']:.1f}" if q and q.get("n") else "n/a"


def errors(result):
    return str(result["errors"]) if result else "n/a"


# (label, hpo file, Optuna file, target: (description, check(hpo result)))
ROWS = [
    ("random, ask+tell, 1 client", "hpo_ask_1", "optuna_random_1", None),
    ("random, ask+tell, 8 clients", "hpo_ask_8", "optuna_random_8",
     (">= 2,000/s", lambda h: h["trials_per_s"] >= 2000)),
    ("random, acquire+complete, 1 client", "hpo_acquire_1", "optuna_random_1", None),
    ("random, acquire+complete, 8 clients", "hpo_acquire_8", "optuna_random_8",
     (">= 2,000/s", lambda h: h["trials_per_s"] >= 2000)),
    ("TPE @2,000 trials, ask+tell, 8 clients", "hpo_tpe_ask_8", "optuna_tpe_8",
     (">= 500/s", lambda h: h["trials_per_s"] >= 500)),
    ("TPE @2,000 trials, acquire+complete, 8", "hpo_tpe_acquire_8", "optuna_tpe_8",
     (">= 500/s", lambda h: h["trials_per_s"] >= 500)),
    ("200 clients, acquire+complete, think 0", "hpo_acquire_200", "optuna_random_200",
     ("0 errors, p99 acq < 50 ms",
      lambda h: h["errors"] == 0 and take(h).get("p99_ms", 1e9) < 50)),
    ("200 clients, acquire+complete, think ~100ms", "hpo_acquire_200_think",
     "optuna_random_200_think",
     ("0 errors, p99 acq < 50 ms",
      lambda h: h["errors"] == 0 and take(h).get("p99_ms", 1e9) < 50)),
]


def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
    print(line(header))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    d = args.dir
    out = []
    for label, ours_name, theirs_name, target in ROWS:
        ours, theirs = load(d, ours_name), load(d, theirs_name)
        ratio = (f"{ours['trials_per_s'] / theirs['trials_per_s']:,.0f}x"
                 if ours and theirs and theirs["trials_per_s"] > 0 else "n/a")
        verdict = ""
        if target and ours:
            verdict = f"{target[0]}: {'met' if target[1](ours) else 'NOT met'}"
        cpu = f"{ours['coordinator_cpu_ms_per_trial']:.2f}" if ours else "n/a"
        out.append([label, rate(ours), rate(theirs), ratio,
                    p50_p99(take(ours)) if ours else "n/a",
                    p50_p99(theirs.get("ask")) if theirs else "n/a",
                    f"{errors(ours)} / {errors(theirs)}", cpu, verdict])
    print("Trials/s: finished trials per wall second of the measured phase. Latency: taking a")
    print("trial (hpo AcquireTrial or Ask; Optuna study.ask with its four suggestions), ms.")
    print("Optuna 3.1 (Debian), SQLite, N processes, ask+tell (it has no leases), compared with")
    print("both hpo modes. Both durable (hpo: WAL + synchronous=FULL; Optuna: its defaults).")
    print()
    table(out, ["scenario", "hpo trials/s", "Optuna trials/s", "ratio", "hpo take p50/p99",
                "Optuna ask p50/p99", "errors hpo/Optuna", "hpo coord CPU ms/trial", "target"])

    mem, restart = load(d, "hpo_memory"), load(d, "restart")
    if mem:
        check = mem.get("list_check", {})
        print()
        print(f"Memory, one study filled by 8 clients (acquire+complete, random, durable): "
              f"{mem['prefill'] + mem['finished']:,} trials at {mem['trials_per_s']:,.0f}/s, "
              f"{mem['errors']} errors")
        peak = max(mem["coordinator_peak_rss_mb"], check.get("coordinator_peak_rss_mb", 0))
        print(f"  coordinator RSS after filling {mem['coordinator_rss_mb']:.1f} MB, peak "
              f"{peak:.1f} MB (target < 200 MB: {'met' if peak < 200 else 'NOT met'})")
        if check:
            print(f"  paged ListTrials of {check['list_trials_n']:,} trials "
                  f"{check['list_trials_s']:.2f} s; GetBestTrial "
                  f"{1000 * check['get_best_trial_s']:.1f} ms; GetStudy "
                  f"{1000 * check['get_study_s']:.1f} ms")
    if restart:
        print(f"  restarted on that database: serving after {restart['reload_s']:.2f} s, RSS "
              f"{restart['rss_mb']:.1f} MB (peak {restart['peak_rss_mb']:.1f} MB after the "
              f"queries below)")
        print(f"  hpo trials --format csv: {restart['csv_rows']:,} rows in {restart['csv_s']:.2f} s;"
              f" hpo best {restart['best_s']:.2f} s; hpo study show {restart['show_s']:.2f} s")
    print("  Optuna: not run at 100,000 trials (at its rate above that would take hours).")


if __name__ == "__main__":
    main()
