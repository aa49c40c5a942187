# Generates ped_anova_golden.json: PED-ANOVA importances computed by Optuna's own
# PedAnovaImportanceEvaluator, for ped_anova_test.cc to check our implementation
# number for number. The JSON is written by this script only; never edit it by hand.
#
# Optuna used: commit 1d8ce7bb6f3c7274a7a31a0a007991995085baa7 (optuna/version.py:
# 5.0.0.dev), unmodified, on Debian 12's python3-numpy 1.24.2 and python3-scipy 1.10.1.
#
# To regenerate, from the repository root:
#   1. Get the Optuna sources as a bare git directory <git-dir> (the `fetch` tool with
#      github:optuna/optuna, or `git clone --bare https://github.com/optuna/optuna`):
#        rm -rf /tmp/optuna-src && mkdir -p /tmp/optuna-src
#        git --git-dir=<git-dir> archive 1d8ce7bb6f3c7274a7a31a0a007991995085baa7 \
#            | tar -x -C /tmp/optuna-src
#   2. apt-get install -y python3-numpy python3-scipy python3-sqlalchemy python3-alembic \
#          python3-colorlog python3-tqdm python3-yaml python3-packaging
#   3. OPTUNA_COMMIT=1d8ce7bb6f3c7274a7a31a0a007991995085baa7 PYTHONPATH=/tmp/optuna-src \
#          /usr/bin/python3 tests/server/analysis/testdata/make_ped_anova_golden.py
#
# Every case draws its trials from a fixed numpy seed, so the output is deterministic.

import json
import math
import os
import warnings

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution as Cat
from optuna.distributions import FloatDistribution as Float
from optuna.distributions import IntDistribution as Int

ACTS = ["relu", "tanh", "gelu"]
MIXED = {
    "lr": Float(1e-5, 1.0, log=True),
    "noise": Float(0.0, 1.0),
    "act": Cat(ACTS),
    "layers": Int(1, 8),
}


def mixed_trials(n, seed, sign):
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        lr = min(max(10.0 ** rng.uniform(-5.0, 0.0), 1e-5), 1.0)
        noise = rng.uniform(0.0, 1.0)
        act = int(rng.randint(3))
        layers = int(rng.randint(1, 9))
        value = (math.log10(lr) + 2.5) ** 2 + 0.3 * act + 0.05 * noise
        out.append(({"lr": lr, "noise": noise, "act": ACTS[act], "layers": layers}, sign * value))
    return out


def int_log_and_step_trials(n, seed):
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        a = int(round(2.0 ** rng.uniform(0.0, 10.0)))
        b = 5 * int(rng.randint(21))
        c = -3.0 + 0.5 * int(rng.randint(13))
        value = (math.log2(a) - 7.0) ** 2 + 0.02 * abs(b - 40) + 0.3 * c * c
        out.append(({"a": a, "b": b, "c": c}, value))
    return out


def ties_and_constant_trials(n, seed):
    # x decides the value, y is irrelevant, k is always 3; values are rounded to
    # one decimal, so many of them tie (also at the top-10% cutoff).
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        x, y = rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0)
        out.append(({"x": x, "y": y, "k": 3}, round(abs(x - 0.3) * 2.0, 1)))
    return out


def single_choice_trials(n, seed):
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        x = rng.uniform(0.999, 1.001)
        out.append(({"only": "only", "x": x}, (x - 0.9995) ** 2))
    return out


def constant_objective_trials(n, seed):
    rng = np.random.RandomState(seed)
    return [({"u": rng.uniform(0.0, 1.0), "v": int(rng.randint(10))}, 1.0) for _ in range(n)]


CASES = [
    ("minimize_mixed", "minimize", MIXED, mixed_trials(300, 1, 1.0)),
    ("maximize_mixed", "maximize", MIXED, mixed_trials(500, 2, -1.0)),
    (
        "int_log_and_step",
        "minimize",
        {"a": Int(1, 1024, log=True), "b": Int(0, 100, step=5), "c": Float(-3.0, 3.0, step=0.5)},
        int_log_and_step_trials(200, 3),
    ),
    ("few_trials", "minimize", MIXED, mixed_trials(12, 4, 1.0)),
    (
        "ties_and_constant",
        "minimize",
        {"x": Float(0.0, 1.0), "y": Float(0.0, 1.0), "k": Int(0, 10)},
        ties_and_constant_trials(100, 5),
    ),
    (
        "single_choice_categorical_and_narrow_float",
        "minimize",
        {"only": Cat(["only"]), "x": Float(0.999, 1.001)},
        single_choice_trials(80, 6),
    ),
    # Every trial ties, so all of them are in the top set: raw importances are all 0
    # and the normalized ones are 1 / n_params each.
    (
        "constant_objective",
        "minimize",
        {"u": Float(0.0, 1.0), "v": Int(0, 9)},
        constant_objective_trials(20, 7),
    ),
]


def describe(dist):
    if isinstance(dist, Cat):
        return {"type": "categorical", "low": None, "high": None, "log": None, "step": None,
                "choices": list(dist.choices)}
    return {"type": "float" if isinstance(dist, Float) else "int", "low": dist.low,
            "high": dist.high, "log": dist.log, "step": dist.step, "choices": None}


def run_case(name, direction, space, trials):
    study = optuna.create_study(direction=direction)
    for params, value in trials:
        study.add_trial(optuna.trial.create_trial(params=params, distributions=space, value=value))

    def importances(normalize):
        evaluator = optuna.importance.PedAnovaImportanceEvaluator()
        got = optuna.importance.get_param_importances(
            study, evaluator=evaluator, normalize=normalize
        )
        return {p: float(got[p]) for p in space}  # declaration order, not rank order

    return {
        "name": name,
        "direction": direction.upper(),
        "params": [{"name": p, **describe(d)} for p, d in space.items()],
        "trials": [{"params": params, "value": value} for params, value in trials],
        "importances": importances(True),
        "raw_importances": importances(False),
    }


def optuna_commit():
    # The exported tree has no .git, so the recipe passes the commit in.
    return os.environ.get("OPTUNA_COMMIT", "unknown")


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")  # experimental `normalize`, too-few-trials notes
    golden = {
        "generated_by": "make_ped_anova_golden.py (do not edit by hand)",
        "optuna_version": optuna.__version__,
        "optuna_commit": optuna_commit(),
        "cases": [run_case(*case) for case in CASES],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ped_anova_golden.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=1)  # json writes floats with repr: round-trip exact
        f.write("\n")


if __name__ == "__main__":
    main()
