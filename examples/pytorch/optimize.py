#!/usr/bin/python3
"""Tunes train.py's train() through hpo's Python client, as one would with
Optuna's study.optimize: two trials at a time (one per core), each epoch
reported so that the median pruner can stop poor trials early.

  HPO_COORDINATOR=127.0.0.1:50051 PYTHONPATH=build/python \\
      python3 examples/pytorch/optimize.py [--study NAME] [--trials 20] [--jobs 2]
"""
import argparse
import os
import sys

import torch

import hpo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402  (the example's training code, next to this file)


def objective(trial: hpo.Trial) -> float:
    p = trial.params

    def on_epoch(epoch, metrics):
        trial.report(metrics["val_accuracy"], step=epoch)
        return trial.should_prune()

    metrics = train.train(p["lr"], p["weight_decay"], p["dropout"], p["hidden"],
                          on_epoch=on_epoch)
    if trial.should_prune():
        raise hpo.TrialPruned()
    trial.set_user_attr("test_accuracy", metrics["test_accuracy"])
    return metrics["val_accuracy"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="pytorch-fashion-mnist-client")
    parser.add_argument("--trials", type=int, default=None,
                        help="trials to run (default: the spec's max_trials)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)  # the jobs share the cores
    train.load_data()  # once, before the threads start
    client = hpo.connect()
    spec_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "study.yaml")
    with open(spec_path) as f:
        spec = f.read().replace("name: pytorch-fashion-mnist\n", f"name: {args.study}\n")
    study = client.create_study(spec, load_if_exists=True)
    study.optimize(objective, n_trials=args.trials, n_jobs=args.jobs)
    best = study.best_trial
    print(f"best trial {best.number}: val_accuracy {best.value:.4f} "
          f"(test_accuracy {best.user_attrs['test_accuracy']:.4f}), params {best.params}")
    counts = {}
    for t in study.trials:
        counts[t.state] = counts.get(t.state, 0) + 1
    print("trials:", ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
