#!/usr/bin/python3
"""The load of coordinator_load_bench on Optuna (Debian's python3-optuna):
N client processes share one study in a fresh SQLite file (Optuna's default
SQLite settings: rollback journal, synchronous=FULL, so as durable as hpo's),
each looping ask -> objective -> tell over the same four parameters with the
same trivial objective. Prints finished trials/s and ask / tell / trial
latency quantiles; errors (e.g. "database is locked") are counted, not fatal.
Every run is bounded by --seconds (default 20) as well as --trials.

  optuna_load.py --sampler random|tpe --clients 8 [--trials T] [--seconds 20]
      [--prefill 2000] [--think-ms 0] [--out result.json]

--prefill adds finished trials with study.add_trials before the measured
phase, with synchronous=OFF on that connection only (one transaction per
trial: Optuna has no bulk insert, and durable commits would take minutes).
"""
import argparse
import json
import math
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
import warnings

import optuna
import sqlalchemy
from optuna.distributions import FloatDistribution

SPACE = {
    "lr": FloatDistribution(1e-5, 1e-1, log=True),
    "weight_decay": FloatDistribution(1e-6, 1e-1, log=True),
    "beta1": FloatDistribution(0.8, 0.99),
    "beta2": FloatDistribution(0.9, 0.9999),
}
STUDY = "load"
ERRORS_KEPT = 5


def objective(p):
    """As Objective() in load_client.cc."""
    return ((math.log10(p["lr"]) + 3) ** 2 + 0.1 * (math.log10(p["weight_decay"]) + 3) ** 2
            + (p["beta1"] - 0.9) ** 2 + (p["beta2"] - 0.999) ** 2)


def make_sampler(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def percentile(values, q):
    """Linear interpolation, as numpy.percentile's default."""
    if not values:
        return 0.0
    v = sorted(values)
    pos = q / 100 * (len(v) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])


def quantiles(ms):
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99),
            "max_ms": max(ms)}


def unsynced(storage):
    """Connections of `storage` that do not wait for the disk: prefilling is
    setup, not measured, and one durable transaction per trial takes minutes."""
    def no_sync(dbapi_connection, _):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
    sqlalchemy.event.listen(storage.engine, "connect", no_sync)
    storage.engine.dispose()  # reconnect with the pragma


def prefill(study, n, seed):
    rng = random.Random(seed)
    trials = []
    for _ in range(n):
        p = {
            "lr": math.exp(rng.uniform(math.log(1e-5), math.log(1e-1))),
            "weight_decay": math.exp(rng.uniform(math.log(1e-6), math.log(1e-1))),
            "beta1": rng.uniform(0.8, 0.99),
            "beta2": rng.uniform(0.9, 0.9999),
        }
        trials.append(optuna.trial.create_trial(params=p, distributions=SPACE, value=objective(p)))
    study.add_trials(trials)


def client(index, args, url, barrier, claimed, results):
    """One client process: its own storage (engine and connections)."""
    result = {"index": index, "finished": 0, "errors": 0, "error_kinds": {}, "ask_ms": [], "tell_ms": [],
              "trial_ms": []}

    def error(what, e):
        result["errors"] += 1
        # Optuna wraps SQLAlchemy's error ("database is locked") in its own,
        # whose message guesses at a cause: name the real one.
        cause = e.__cause__ or e.__context__ or e
        message = str(cause).splitlines()[0] if str(cause) else ""
        kind = f"{what}: {type(e).__name__} <- {type(cause).__name__}: {message}"[:160]
        result["error_kinds"][kind] = result["error_kinds"].get(kind, 0) + 1

    study = None
    try:
        study = optuna.load_study(study_name=STUDY, storage=url,
                                  sampler=make_sampler(args.sampler, args.seed + 1 + index))
        # Read the study once before the clock starts, as a long-running
        # worker would have: Optuna caches finished trials per process.
        study.get_trials(deepcopy=False)
    except Exception as e:  # counted like any other failure
        error("load_study", e)
    barrier.wait()
    try:
        run(study, args, claimed, result, error)
    except Exception as e:  # never leave the parent waiting for this client
        error("client", e)
    result["end"] = time.monotonic()
    results.put(result)


def run(study, args, claimed, result, error):
    # Think times as in load_client.cc: a uniform [0, think) start offset, then
    # uniform [0.5, 1.5] x think per trial, so clients are not in lockstep.
    rng = random.Random(result["index"])
    if args.think_ms:
        time.sleep(rng.uniform(0, args.think_ms) / 1000)
    deadline = time.monotonic() + args.seconds
    while study is not None and time.monotonic() < deadline:
        if args.trials:
            with claimed.get_lock():
                if claimed.value >= args.trials:
                    break
                claimed.value += 1
        start = time.monotonic()
        try:
            trial = study.ask(fixed_distributions=SPACE)
        except Exception as e:
            error("ask", e)
            continue
        asked = time.monotonic()
        if args.think_ms:
            time.sleep(rng.uniform(0.5, 1.5) * args.think_ms / 1000)
        value = objective(trial.params)
        tell_start = time.monotonic()
        try:
            study.tell(trial, value)
        except Exception as e:
            error("tell", e)
            continue
        end = time.monotonic()
        result["ask_ms"].append(1000 * (asked - start))
        result["tell_ms"].append(1000 * (end - tell_start))
        result["trial_ms"].append(1000 * (end - start - (tell_start - asked)))
        result["finished"] += 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sampler", choices=["random", "tpe"], default="random")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--trials", type=int, default=0, help="0: until --seconds")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--prefill", type=int, default=0)
    parser.add_argument("--think-ms", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")

    base = tempfile.mkdtemp(prefix="optuna-load-", dir=os.environ.get("TMPDIR", "/tmp"))
    url = f"sqlite:///{base}/optuna.db"
    try:
        storage = optuna.storages.RDBStorage(url)
        study = optuna.create_study(study_name=STUDY, storage=storage,
                                    sampler=make_sampler(args.sampler, args.seed))
        prefill_s = 0.0
        if args.prefill:
            unsynced(storage)
            start = time.monotonic()
            prefill(study, args.prefill, args.seed)
            prefill_s = time.monotonic() - start
            print(f"prefilled {args.prefill} trials in {prefill_s:.1f} s "
                  "(study.add_trials, synchronous=OFF)")
        storage.engine.dispose()  # no connection crosses the fork
        del study, storage

        ctx = multiprocessing.get_context("fork")
        barrier = ctx.Barrier(args.clients + 1)
        claimed = ctx.Value("q", 0)
        results = ctx.Queue()
        procs = [ctx.Process(target=client, args=(i, args, url, barrier, claimed, results))
                 for i in range(args.clients)]
        for p in procs:
            p.start()
        barrier.wait()
        start = time.monotonic()
        collected = [results.get() for _ in procs]
        for p in procs:
            p.join()
    finally:
        shutil.rmtree(base, ignore_errors=True)

    wall = max(r["end"] for r in collected) - start
    finished = sum(r["finished"] for r in collected)
    merged = {k: [x for r in collected for x in r[k]] for k in ("ask_ms", "tell_ms", "trial_ms")}
    out = {
        "system": f"optuna {optuna.__version__}",
        "mode": "ask", "sampler": args.sampler, "clients": args.clients,
        "think_ms": args.think_ms, "prefill": args.prefill, "prefill_s": prefill_s,
        "finished": finished, "wall_s": wall, "trials_per_s": finished / wall if wall > 0 else 0,
        "ask": quantiles(merged["ask_ms"]), "tell": quantiles(merged["tell_ms"]),
        "trial": quantiles(merged["trial_ms"]),
        "errors": sum(r["errors"] for r in collected),
    }
    kinds = {}
    for r in collected:
        for kind, count in r["error_kinds"].items():
            kinds[kind] = kinds.get(kind, 0) + count
    out["first_errors"] = [f"{count} x {kind}" for kind, count in
                           sorted(kinds.items(), key=lambda kv: -kv[1])][:ERRORS_KEPT]
    print(f"optuna {optuna.__version__} SQLite load: ask+tell, {args.sampler} sampler, "
          f"{args.clients} clients, think {args.think_ms} ms, prefill {args.prefill}")
    print(f"  finished {finished} trials in {wall:.2f} s: {out['trials_per_s']:.1f} trials/s")
    for kind in ("ask", "tell", "trial"):
        q = out[kind]
        if q["n"]:
            print(f"  {kind:<8} n={q['n']:<7} p50 {q['p50_ms']:7.3f} ms   "
                  f"p99 {q['p99_ms']:8.3f} ms   max {q['max_ms']:8.3f} ms")
    print(f"  errors: {out['errors']}")
    for e in out["first_errors"]:
        print(f"    {e}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
