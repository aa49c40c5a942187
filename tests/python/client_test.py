"""The Python client against a real coordinator on loopback.

Run by ctest with PYTHONPATH=build/python and HPO_COORDINATOR_BIN set; it
starts its own coordinator (and a fresh database) per test class.
"""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

import hpo

COORDINATOR = os.environ["HPO_COORDINATOR_BIN"]


class Coordinator:
    """hpo-coordinator on a free loopback port, stopped by close()."""

    def __init__(self, directory, token=None):
        self.dir = directory
        port_file = os.path.join(directory, "port")
        args = [COORDINATOR, "--listen", "127.0.0.1:0", "--db", os.path.join(directory, "hpo.db"),
                "--port-file", port_file, "--reclaim-interval", "0.05"]
        if token:
            with open(os.path.join(directory, "token"), "w") as f:
                f.write(token)
            args += ["--token-file", os.path.join(directory, "token")]
        self.process = subprocess.Popen(args, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read()
                if text.endswith("\n"):
                    self.address = text.strip()
                    return
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            time.sleep(0.02)
        raise RuntimeError("the coordinator did not start")

    def close(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(10)
        self.process.stderr.close()


SPEC = """
name: {name}
objective: {{metric: loss, direction: minimize}}
sampler: {{type: tpe, seed: 1, n_startup_trials: 5}}
max_trials: {max_trials}
lease_seconds: {lease}
pruner: {{type: median, n_startup_trials: 2, n_warmup_steps: 0}}
params:
  x: {{type: float, low: -5, high: 5}}
  n: {{type: int, low: 1, high: 4}}
  width: {{type: categorical, choices: [32, 64, 128]}}
  act: {{type: categorical, choices: [relu, tanh]}}
"""


def spec(name, max_trials=12, lease=60):
    return SPEC.format(name=name, max_trials=max_trials, lease=lease)


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.coordinator = Coordinator(cls.tmp.name)
        cls.client = hpo.connect(cls.coordinator.address)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.coordinator.close()
        cls.tmp.cleanup()

    def test_ask_report_tell_runs_a_study_to_completion(self):
        study = self.client.create_study(spec("ask-tell", max_trials=8))
        while True:
            try:
                trial = study.ask()
            except hpo.HpoError as error:
                self.assertEqual(error.code, "FAILED_PRECONDITION")
                self.assertIn("max_trials", error.message)
                break
            p = trial.params
            self.assertIsInstance(p["x"], float)
            self.assertIsInstance(p["n"], int)
            self.assertIn(p["width"], (32, 64, 128))  # numbers, not "32"
            self.assertIn(p["act"], ("relu", "tanh"))
            value = (p["x"] - 1) ** 2 + p["n"]
            if trial.report(value + 1, step=0):  # the pruner stopped it already
                self.assertEqual(study.tell(trial, state="pruned").state, "PRUNED")
                continue
            with self.assertRaises(ValueError):
                study.tell(trial)  # neither a value nor a state
            trial.set_user_attr("x_used", p["x"])
            told = study.tell(trial, value, attrs={"width_used": p["width"]})
            self.assertEqual(told.user_attrs["x_used"], p["x"])
            self.assertEqual(told.state, "COMPLETE")
            self.assertEqual(told.value, value)
            self.assertEqual(told.intermediate_values, {0: value + 1})
        self.assertEqual(study.state, "COMPLETED")
        trials = study.trials
        self.assertEqual(len(trials), 8)
        best = study.best_trial
        self.assertEqual(best.value, min(t.value for t in trials if t.state == "COMPLETE"))
        self.assertEqual(study.best_params, best.params)
        self.assertEqual(best.user_attrs["width_used"], best.params["width"])
        self.assertIsNotNone(best.datetime_complete)
        # Optuna's columns (pandas is installed by the test command).
        frame = study.trials_dataframe()
        self.assertEqual(len(frame), 8)
        for column in ("number", "value", "state", "datetime_start", "params_x", "params_width",
                       "user_attrs_width_used"):
            self.assertIn(column, frame.columns)
        row = frame[frame["number"] == best.number].iloc[0]
        self.assertEqual(row["value"], best.value)
        self.assertEqual(row["params_width"], best.params["width"])
        self.assertEqual(row["state"], "COMPLETE")

    def test_pruning_through_report_and_optimize(self):
        study = self.client.create_study(spec("pruned", max_trials=10))
        reports = []

        def objective(trial):
            # Later trials are worse at every step: the median pruner stops them.
            for step in range(3):
                value = trial.number * 10.0 + step
                reports.append((trial.number, step))
                if trial.report(value, step):
                    raise hpo.TrialPruned()
            return value

        study.optimize(objective)  # until max_trials
        states = [t.state for t in study.trials]
        self.assertEqual(len(states), 10)
        self.assertIn("PRUNED", states)
        self.assertEqual(states[:2], ["COMPLETE", "COMPLETE"])
        for t in study.get_trials(states=["pruned"]):
            self.assertLess(max(t.intermediate_values), 2)  # stopped before the last step

    def test_optimize_in_threads_and_failures(self):
        study = self.client.create_study(spec("threads", max_trials=0))
        study.optimize(lambda t: t.params["x"] ** 2, n_trials=12, n_jobs=3)
        self.assertEqual(len(study.get_trials(states=["complete"])), 12)
        self.assertEqual(len({t.number for t in study.trials}), 12)

        def broken(trial):
            raise ZeroDivisionError("boom")

        with self.assertRaises(ZeroDivisionError):
            study.optimize(broken, n_trials=1)
        failed = study.get_trials(states=["failed"])
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0].fail_reason, "ZeroDivisionError: boom")
        study.optimize(broken, n_trials=2, catch=(ZeroDivisionError,))
        self.assertEqual(len(study.get_trials(states=["failed"])), 3)

    def test_enqueued_trials_come_first_with_their_params(self):
        study = self.client.create_study(spec("enqueued", max_trials=4))
        first = study.enqueue({"x": 1.5, "n": 2, "width": 64, "act": "tanh"}, attrs={"mine": 1})
        self.assertEqual(first.state, "WAITING")
        partial = study.enqueue({"x": -2.0})
        trial = study.ask()
        self.assertEqual(trial.number, first.number)
        self.assertEqual(trial.params, {"x": 1.5, "n": 2, "width": 64, "act": "tanh"})
        study.tell(trial, 1.0)
        trial = study.ask()
        self.assertEqual(trial.number, partial.number)
        self.assertEqual(trial.params["x"], -2.0)
        self.assertEqual(set(trial.params), {"x", "n", "width", "act"})  # the rest sampled
        study.tell(trial, 2.0)
        self.assertEqual(study.trials[first.number].user_attrs, {"mine": 1.0})
        with self.assertRaises(hpo.HpoError) as raised:
            study.enqueue({"x": 7.0})  # outside [-5, 5]
        self.assertEqual(raised.exception.code, "INVALID_ARGUMENT")
        self.assertIn("params.x", raised.exception.message)
        with self.assertRaises(ValueError):
            study.enqueue({"width": 48})
        with self.assertRaises(ValueError):
            study.enqueue({"y": 1})
        study.enqueue({"n": 3})
        study.enqueue({"n": 4})  # max_trials (4) reached
        with self.assertRaises(hpo.HpoError) as raised:
            study.enqueue({"n": 1})
        self.assertEqual(raised.exception.code, "FAILED_PRECONDITION")

    def test_create_study_takes_a_path_a_dict_and_reports_errors_by_line(self):
        path = os.path.join(self.tmp.name, "spec.yaml")
        with open(path, "w") as f:
            f.write(spec("from-file"))
        self.assertEqual(self.client.create_study(path).name, "from-file")
        again = self.client.create_study(path, load_if_exists=True)
        self.assertEqual(again.name, "from-file")
        with self.assertRaises(hpo.HpoError) as raised:
            self.client.create_study(path)
        self.assertEqual(raised.exception.code, "ALREADY_EXISTS")

        study = self.client.create_study(
            {"name": "from-dict", "direction": "maximize",
             "params": {"lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True}}})
        self.assertEqual(study.direction, "maximize")
        self.assertEqual(self.client.load_study("from-dict").name, "from-dict")

        bad = os.path.join(self.tmp.name, "bad.yaml")
        with open(bad, "w") as f:
            f.write("name: bad\nparams:\n  x: {type: float, low: 2, high: 1}\n")
        with self.assertRaises(hpo.HpoError) as raised:
            self.client.create_study(bad)
        self.assertEqual(raised.exception.code, "INVALID_ARGUMENT")
        self.assertIn(f"{bad}:3: params.x", raised.exception.message)
        with self.assertRaises(hpo.HpoError) as raised:
            self.client.load_study("nope")
        self.assertEqual(raised.exception.code, "NOT_FOUND")

    def test_a_client_killed_mid_trial_has_its_trial_reclaimed(self):
        study = self.client.create_study(spec("killed", max_trials=0, lease=1))
        script = textwrap.dedent(f"""
            import sys, time, hpo
            study = hpo.connect({self.coordinator.address!r}).load_study("killed")
            with study.trial() as trial:
                trial.report(1.0, 0)
                print(trial.number, flush=True)
                time.sleep(60)
        """)
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                 env=dict(os.environ))
        number = int(child.stdout.readline())
        time.sleep(1.5)  # heartbeats keep the 1 s lease alive meanwhile
        self.assertEqual(study.trials[number].state, "RUNNING")
        child.kill()
        child.wait()
        child.stdout.close()
        deadline = time.monotonic() + 10
        while study.trials[number].state == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.1)
        trials = study.trials
        self.assertEqual(trials[number].state, "FAILED")
        self.assertEqual(trials[number].fail_reason, "lease expired")
        retry = [t for t in trials if t.retry_of == number]
        self.assertEqual(len(retry), 1)
        self.assertEqual(retry[0].state, "WAITING")
        self.assertEqual(retry[0].params, trials[number].params)
        # The next client gets the retry first.
        with study.trial() as trial:
            self.assertEqual(trial.number, retry[0].number)
            study.tell(trial, 0.5)

    def test_unreachable_coordinator_names_the_address(self):
        client = hpo.connect("127.0.0.1:1", timeout=2)
        with self.assertRaises(hpo.HpoError) as raised:
            client.load_study("x")
        self.assertEqual(raised.exception.code, "UNAVAILABLE")
        self.assertIn("cannot reach the coordinator at 127.0.0.1:1", raised.exception.message)


class TokenTest(unittest.TestCase):
    def test_the_token_comes_from_the_argument_or_hpo_token(self):
        with tempfile.TemporaryDirectory() as directory:
            coordinator = Coordinator(directory, token="s3cret")
            try:
                with self.assertRaises(hpo.HpoError) as raised:
                    hpo.connect(coordinator.address, token="wrong").list_studies()
                self.assertEqual(raised.exception.code, "UNAUTHENTICATED")
                self.assertEqual(hpo.connect(coordinator.address, token="s3cret").list_studies(),
                                 [])
                os.environ["HPO_TOKEN"] = "s3cret"
                try:
                    self.assertEqual(hpo.connect(coordinator.address).list_studies(), [])
                finally:
                    del os.environ["HPO_TOKEN"]
                with self.assertRaises(ValueError):
                    hpo.connect(coordinator.address, token="a\nb")
            finally:
                coordinator.close()


if __name__ == "__main__":
    unittest.main()
