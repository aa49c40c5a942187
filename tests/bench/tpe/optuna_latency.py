#!/usr/bin/python3
"""Time of one Optuna TPE suggestion (study.ask with the 4-parameter space of
latency_bench.cc, in-memory storage) at 100, 1,000, 2,000 and 10,000
finished trials. Writes {"mode/n": {"ms": median}} as JSON to --out.
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--sizes", default="100,1000,2000,10000")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    results = {}
    for multivariate in (False, True):
        mode = "multivariate" if multivariate else "independent"
        for n in (int(s) for s in args.sizes.split(",")):
            study = optuna.create_study(
                sampler=optuna.samplers.TPESampler(seed=7, multivariate=multivariate))
            study.add_trials(history(n, random.Random(1)))
            # Few suggestions at 10,000 trials: each takes a while.
            rounds = 3 if n >= 10000 else 10
            times = []
            for _ in range(rounds):
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
