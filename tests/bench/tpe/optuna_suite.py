#!/usr/bin/python3
"""Optuna's samplers on the suite of benchmarks.md.

Writes {"function/mode": [best value per seed], ...} as JSON to --out.
Run with /usr/bin/python3: Debian's Optuna 3.1, or another Optuna put first
on PYTHONPATH (run.sh runs Optuna 4.9.0's source tree that way).

--sampler tpe (default): TPESampler(seed=seed, multivariate=...), modes
"independent" and "multivariate". --sampler gp: GPSampler(seed=seed), mode
"gp" (needs Optuna >= 3.6, torch and scipy). Under Optuna 4.9 --sampler tpe
gives the Optuna 4.9 TPE columns of benchmarks.md.

--expect-version 4.9.0 stops before any study unless that Optuna was
imported: an older Optuna earlier on sys.path would otherwise be measured
silently under the wrong name.

--density-fix runs Optuna 3.1 with the one-line fix Optuna 3.5 made
(optuna/optuna#5109): 3.1's truncated-normal log density lacks the
-log(sigma) term, so its Parzen estimators are not normalised densities.
Our sampler keeps the term; this run shows what the term alone changes.
"""
import argparse
import json
import math
import sys
import time
import warnings

import numpy as np
import optuna


def branin(t):
    x1 = t.suggest_float("x1", -5, 10)
    x2 = t.suggest_float("x2", 0, 15)
    b, c, tt = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - tt) * math.cos(x1) + 10


def styblinski_tang4(t):
    xs = [t.suggest_float(f"x{i}", -5, 5) for i in range(4)]
    return sum(x ** 4 - 16 * x ** 2 + 5 * x for x in xs) / 2


def rosenbrock4(t):
    x = [t.suggest_float(f"x{i}", -5, 10) for i in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def mixed(t):
    act = t.suggest_categorical("act", ["relu", "tanh", "sigmoid"])
    units = t.suggest_int("units", 16, 512, log=True)
    lr = t.suggest_float("lr", 1e-5, 1e-1, log=True)
    dropout = t.suggest_float("dropout", 0, 0.5)
    return ({"relu": 0, "tanh": 0.05, "sigmoid": 0.15}[act] + 0.025 * (math.log2(units) - 7) ** 2
            + 0.08 * (math.log10(lr) + 3) ** 2 + 0.5 * (dropout - 0.2) ** 2)


def apply_density_fix():
    major, minor = (int(p) for p in optuna.__version__.split(".")[:2])
    if (major, minor) >= (3, 5):
        return  # the installed Optuna has the term already
    # Imported here: this is Optuna 3.1's layout.
    from optuna.samplers._tpe import _truncnorm, parzen_estimator

    unfixed = _truncnorm.logpdf

    def logpdf(x, a, b, loc=0, scale=1):
        return unfixed(x, a, b, loc, scale) - np.log(scale)

    assert parzen_estimator.truncnorm is _truncnorm, "not the Optuna 3.1 layout"
    _truncnorm.logpdf = logpdf


def six_hump_camel(t):
    x1 = t.suggest_float("x1", -3, 3)
    x2 = t.suggest_float("x2", -2, 2)
    return (4 - 2.1 * x1 ** 2 + x1 ** 4 / 3) * x1 ** 2 + x1 * x2 + (-4 + 4 * x2 ** 2) * x2 ** 2


HARTMANN3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
HARTMANN3_P = [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470],
               [0.1091, 0.8732, 0.5547], [0.0381, 0.5743, 0.8828]]
HARTMANN3_ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann3(t):
    x = [t.suggest_float(f"x{i}", 0, 1) for i in range(3)]
    return -sum(a * math.exp(-sum(HARTMANN3_A[i][j] * (x[j] - HARTMANN3_P[i][j]) ** 2
                                  for j in range(3)))
                for i, a in enumerate(HARTMANN3_ALPHA))


def levy4(t):
    w = [1 + (t.suggest_float(f"x{i}", -10, 10) - 1) / 4 for i in range(4)]
    total = math.sin(math.pi * w[0]) ** 2 + (w[3] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[3]) ** 2)
    for i in range(3):
        total += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return total


def trainer(t):
    opt = t.suggest_categorical("optimizer", ["adamw", "adam", "sgd", "rmsprop"])
    layers = t.suggest_int("layers", 1, 8)
    batch = t.suggest_int("batch_size", 16, 1024, log=True)
    wd = t.suggest_float("weight_decay", 1e-6, 1e-1, log=True)
    momentum = t.suggest_float("momentum", 0.5, 0.99, step=0.01)
    return ({"adamw": 0, "adam": 0.02, "sgd": 0.1, "rmsprop": 0.06}[opt]
            + 0.03 * (layers - 3) ** 2 + 0.02 * (math.log2(batch) - 6.5) ** 2
            + 0.05 * (math.log10(wd) + 4) ** 2 + (momentum - 0.9) ** 2)


SUITE = {"branin": branin, "styblinski_tang4": styblinski_tang4, "rosenbrock4": rosenbrock4,
         "mixed": mixed}
# Functions outside benchmarks.md's suite (--suite extra): a check that what
# was tuned on the suite holds elsewhere.
EXTRA = {"six_hump_camel": six_hump_camel, "hartmann3": hartmann3, "levy4": levy4,
         "trainer": trainer}


def make_sampler(kind, mode, seed):
    if kind == "gp":
        # The defaults, as our gp mode: n_startup_trials=10,
        # deterministic_objective=False.
        return optuna.samplers.GPSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, multivariate=mode == "multivariate")


MODES = {"tpe": ("independent", "multivariate"), "gp": ("gp",)}


def check_version(expected):
    if expected and optuna.__version__ != expected:
        sys.exit(f"optuna_suite.py: expected Optuna {expected}, imported Optuna "
                 f"{optuna.__version__} from {optuna.__file__} (is PYTHONPATH set?)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sampler", choices=sorted(MODES), default="tpe")
    parser.add_argument("--expect-version", default="")
    parser.add_argument("--density-fix", action="store_true")
    parser.add_argument("--suite", choices=("standard", "extra"), default="standard")
    args = parser.parse_args()
    check_version(args.expect_version)
    label = f"optuna {optuna.__version__} {args.sampler}"
    if args.density_fix:
        apply_density_fix()
        label += " + 3.5 density fix"
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    # multivariate is "experimental" in 3.1, GPSampler in 4.9.
    warnings.simplefilter("ignore")
    results = {}
    start = time.time()
    for name, f in (EXTRA if args.suite == "extra" else SUITE).items():
        for mode in MODES[args.sampler]:
            key = f"{name}/{mode}"
            bests = []
            for seed in range(args.seeds):
                study = optuna.create_study(sampler=make_sampler(args.sampler, mode, seed))
                study.optimize(f, n_trials=args.trials)
                bests.append(study.best_value)
            results[key] = bests
            print(f"{label} {key}: done ({time.time() - start:.0f} s)",
                  file=sys.stderr)
    with open(args.out, "w") as out:
        json.dump(results, out, indent=1)


if __name__ == "__main__":
    main()
