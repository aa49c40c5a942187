#!/usr/bin/python3
"""Time of one Optuna suggestion (study.ask with the 4-parameter space of
latency_bench.cc, in-memory storage): TPE at 100, 1,000, 2,000 and 10,000
finished trials, or with --sampler gp GPSampler (Optuna >= 3.6 first on
PYTHONPATH, as run.sh does with Optuna 4.9.0) at 100, 200, 400 and 1,000.
Writes {"mode/n": {"ms": median}} as JSON to --out.
"""
import argparse
import json
import math
import random
import statistics
import sys
import time
import warnings

import optuna
from optuna.distributions import FloatDistribution

SPACE = {
    "lr": FloatDistribution(1e-4, 1e-2, log=True),
    "weight_decay": FloatDistribution(1e-6, 1e-1, log=True),
    "beta1": FloatDistribution(0.8, 0.99),
    "beta2": FloatDistribution(0.9, 0.9999),
}


def objective(p):
    return ((math.log10(p["lr"]) + 3) ** 2 + 0.1 * (math.log10(p["weight_decay"]) + 3) ** 2
            + (p["beta1"] - 0.9) ** 2 + (p["beta2"] - 0.999) ** 2)


def history(n, rng):
    trials = []
    for _ in range(n):
        p = {
            "lr": math.exp(rng.uniform(math.log(1e-4), math.log(1e-2))),
            "weight_decay": math.exp(rng.uniform(math.log(1e-6), math.log(1e-1))),
            "beta1": rng.uniform(0.8, 0.99),
            "beta2": rng.uniform(0.9, 0.9999),
        }
        trials.append(optuna.trial.create_trial(params=p, distributions=SPACE, value=objective(p)))
    return trials


# Per sampler: its modes, default sizes, and the suggestions timed at n
# trials (few where each takes a while).
SAMPLERS = {
    "tpe": (("independent", "multivariate"), "100,1000,2000,10000",
            lambda n: 3 if n >= 10000 else 10),
    "gp": (("gp",), "100,200,400,1000", lambda n: 3 if n >= 400 else 5),
}


def make_sampler(mode):
    if mode == "gp":
        return optuna.samplers.GPSampler(seed=7)
    return optuna.samplers.TPESampler(seed=7, multivariate=mode == "multivariate")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--sampler", choices=sorted(SAMPLERS), default="tpe")
    parser.add_argument("--sizes", default="")
    parser.add_argument("--expect-version", default="")
    args = parser.parse_args()
    if args.expect_version and optuna.__version__ != args.expect_version:
        sys.exit(f"optuna_latency.py: expected Optuna {args.expect_version}, imported Optuna "
                 f"{optuna.__version__} from {optuna.__file__} (is PYTHONPATH set?)")
    modes, default_sizes, rounds_at = SAMPLERS[args.sampler]
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    results = {}
    for mode in modes:
        for n in (int(s) for s in (args.sizes or default_sizes).split(",")):
            study = optuna.create_study(sampler=make_sampler(mode))
            study.add_trials(history(n, random.Random(1)))
            times = []
            for _ in range(rounds_at(n)):
                start = time.perf_counter()
                trial = study.ask(SPACE)
                times.append((time.perf_counter() - start) * 1000)
                study.tell(trial, objective(trial.params))
            results[f"{mode}/{n}"] = {"ms": statistics.median(times)}
            print(f"optuna {optuna.__version__} {mode} {n}: {statistics.median(times):.1f} ms",
                  file=sys.stderr)
    with open(args.out, "w") as out:
        json.dump(results, out, indent=1)


if __name__ == "__main__":
    main()
