"""Python client of the hpo coordinator.

Follows Optuna's ask/tell and Vizier's client::

    import hpo

    client = hpo.connect()                       # $HPO_COORDINATOR, $HPO_TOKEN
    study = client.create_study("spec.yaml", load_if_exists=True)

    def objective(trial):
        for step in range(10):
            loss = train_one_epoch(lr=trial.params["lr"])
            if trial.report(loss, step):          # the pruner says stop
                raise hpo.TrialPruned()
        return loss

    study.optimize(objective, n_trials=20)
    print(study.best_trial.params)

The search space, sampler and pruner live in the study's spec; the
coordinator samples, records every result in its database and serves many
clients (and workers) at once.
"""

from hpo._client import Client, HpoError, connect
from hpo._study import FrozenTrial, Study, Trial, TrialPruned

__all__ = ["Client", "FrozenTrial", "HpoError", "Study", "Trial", "TrialPruned", "connect"]
