"""Studies and trials: ask, report, tell, optimize."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from hpo._client import HpoError
from hpo.v1 import coordinator_pb2 as pb
from hpo.v1 import study_pb2, trial_pb2

ParamValue = Union[float, int, str]
_STATES = {"complete": trial_pb2.Trial.COMPLETE, "pruned": trial_pb2.Trial.PRUNED,
           "failed": trial_pb2.Trial.FAILED}


class TrialPruned(Exception):
    """Raise it from an objective to end the trial as PRUNED (as optuna.TrialPruned)."""


def _categorical_values(param: study_pb2.ParamSpec) -> Dict[str, ParamValue]:
    """Choice text -> value: numbers when every choice is one, else the text."""
    choices = list(param.categorical_distribution.choices)
    for kind in (int, float):
        try:
            return {c: kind(c) for c in choices}
        except ValueError:
            continue
    return {c: c for c in choices}


class _Space:
    """Converts parameter values between the API's messages and Python."""

    def __init__(self, spec: study_pb2.StudySpec) -> None:
        self._params = {p.name: p for p in spec.params}
        self._categorical = {p.name: _categorical_values(p) for p in spec.params
                             if p.HasField("categorical_distribution")}

    def to_message(self, name: str, value: ParamValue) -> trial_pb2.ParamValue:
        """``value`` as the parameter's kind (the coordinator checks the range)."""
        param = self._params.get(name)
        if param is None:
            raise ValueError(f"{name!r} is not a parameter of the study "
                             f"(parameters: {', '.join(self._params)})")
        if param.HasField("float_distribution"):
            return trial_pb2.ParamValue(float_value=float(value))
        if param.HasField("int_distribution"):
            if isinstance(value, bool) or int(value) != value:
                raise ValueError(f"{name} is an int; {value!r} is not an integer")
            return trial_pb2.ParamValue(int_value=int(value))
        for text, python in self._categorical[name].items():
            if python == value and type(python) is type(value) or text == value:
                return trial_pb2.ParamValue(categorical_value=text)
        raise ValueError(f"{name}: {value!r} is not one of the choices "
                         f"{list(self._categorical[name].values())}")

    def to_python(self, params: Mapping[str, trial_pb2.ParamValue]) -> Dict[str, ParamValue]:
        out: Dict[str, ParamValue] = {}
        for name, value in params.items():
            kind = value.WhichOneof("kind")
            if kind == "categorical_value":
                out[name] = self._categorical.get(name, {}).get(value.categorical_value,
                                                                value.categorical_value)
            else:
                out[name] = getattr(value, kind)
        return out


def _time(ms: int) -> Optional[datetime.datetime]:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc) if ms else None


@dataclasses.dataclass(frozen=True)
class FrozenTrial:
    """A trial as the coordinator recorded it (Optuna's FrozenTrial fields)."""

    number: int
    state: str  # "WAITING", "RUNNING", "COMPLETE", "PRUNED" or "FAILED"
    value: Optional[float]
    params: Dict[str, ParamValue]
    intermediate_values: Dict[int, float]
    user_attrs: Dict[str, float]
    datetime_start: Optional[datetime.datetime]
    datetime_complete: Optional[datetime.datetime]
    worker_id: str
    fail_reason: str
    retry_of: Optional[int]

    @staticmethod
    def _from(message: trial_pb2.Trial, space: _Space) -> "FrozenTrial":
        return FrozenTrial(
            number=message.number, state=trial_pb2.Trial.State.Name(message.state),
            value=message.value if message.HasField("value") else None,
            params=space.to_python(message.params),
            intermediate_values={iv.step: iv.value for iv in message.intermediate_values},
            user_attrs=dict(message.user_attrs), datetime_start=_time(message.start_time_ms),
            datetime_complete=_time(message.complete_time_ms), worker_id=message.worker_id,
            fail_reason=message.fail_reason,
            retry_of=message.retry_of if message.HasField("retry_of") else None)


class Trial:
    """A RUNNING trial handed out by :meth:`Study.ask` or :meth:`Study.trial`."""

    def __init__(self, study: "Study", message: trial_pb2.Trial, lease_id: str = "") -> None:
        self.study = study
        self.number: int = message.number
        self.params: Dict[str, ParamValue] = study._space.to_python(message.params)
        self._lease_id = lease_id
        self._should_prune = False
        self._told = False
        self._user_attrs: Dict[str, float] = {}
        self.stopped = False  # the study was stopped: end the trial soon

    def _ref(self) -> pb.TrialRef:
        return pb.TrialRef(study_name=self.study.name, trial_number=self.number,
                           lease_id=self._lease_id)

    def report(self, value: float, step: int) -> bool:
        """Records the objective's value at ``step``; returns whether to prune."""
        response = self.study._client.call(
            "ReportIntermediate",
            pb.ReportIntermediateRequest(trial=self._ref(), step=step, value=value))
        self._should_prune = response.should_prune
        return self._should_prune

    def should_prune(self) -> bool:
        """What the pruner said at the last report."""
        return self._should_prune

    def set_user_attr(self, key: str, value: float) -> None:
        """A number recorded with the trial when it is told (as Optuna's set_user_attr)."""
        self._user_attrs[key] = float(value)

    def __repr__(self) -> str:
        return f"Trial(study={self.study.name!r}, number={self.number}, params={self.params})"


class _Heartbeat:
    """Keeps a trial's lease alive from a daemon thread."""

    def __init__(self, trial: Trial, period_s: float) -> None:
        self._trial = trial
        self._period = period_s
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"hpo-heartbeat-{trial.number}")
        self._thread.start()

    def _loop(self) -> None:
        client = self._trial.study._client
        while not self._done.wait(self._period):
            try:
                response = client.call("Heartbeat", pb.HeartbeatRequest(trial=self._trial._ref()),
                                       timeout=self._period)
                if response.should_stop:
                    self._trial.stopped = True
            except HpoError as error:
                if error.code in ("FAILED_PRECONDITION", "NOT_FOUND"):
                    self._trial.stopped = True  # the lease is lost
                    return
                # Unreachable: the coordinator may be restarting; keep trying.

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


class Study:
    """A study on the coordinator. Thread-safe: many threads may ask and tell."""

    def __init__(self, client: Any, message: trial_pb2.Study) -> None:
        self._client = client
        self._message = message
        self.name: str = message.spec.name
        self._space = _Space(message.spec)

    def _refresh(self) -> trial_pb2.Study:
        self._message = self._client.call("GetStudy", pb.GetStudyRequest(study_name=self.name))
        return self._message

    @property
    def spec(self) -> study_pb2.StudySpec:
        return self._message.spec

    @property
    def state(self) -> str:
        """RUNNING, COMPLETED, STOPPED, PAUSED or DRAINING, as of now."""
        return trial_pb2.Study.State.Name(self._refresh().state)

    @property
    def direction(self) -> str:
        return study_pb2.Direction.Name(self.spec.direction).lower()

    def ask(self, lease: bool = False) -> Trial:
        """A new RUNNING trial with sampled params (or a waiting retry).

        With ``lease``, the trial is held under the study's lease: keep it
        alive with heartbeats (:meth:`trial` does) or it fails and is retried.
        HpoError FAILED_PRECONDITION once the study hands out no more trials.
        """
        response = self._client.call("Ask", pb.AskRequest(study_name=self.name, lease=lease))
        return Trial(self, response.trial, response.lease.lease_id)

    def tell(self, trial: Union[Trial, int], value: Optional[float] = None,
             state: Optional[str] = None, attrs: Optional[Mapping[str, float]] = None,
             fail_reason: str = "") -> FrozenTrial:
        """Finishes a trial: COMPLETE with ``value``, or ``state="pruned"``/``"failed"``.

        ``trial`` is a :class:`Trial` or a trial number. ``attrs`` are user
        attributes to record with it (numbers), on top of those the trial was
        given with :meth:`Trial.set_user_attr`.
        """
        if state is None:
            if value is None:
                raise ValueError("tell needs a value (to complete the trial) or a state")
            state = "complete"
        if state.lower() not in _STATES:
            raise ValueError(f"state must be one of {sorted(_STATES)} (got {state!r})")
        request = pb.TellRequest(study_name=self.name, state=_STATES[state.lower()],
                                 fail_reason=fail_reason)
        if isinstance(trial, Trial):
            request.user_attrs.update(trial._user_attrs)
            request.trial_number = trial.number
            request.lease_id = trial._lease_id
            trial._told = True
        else:
            request.trial_number = trial
        request.user_attrs.update(dict(attrs or {}))
        if value is not None:
            request.value = float(value)
        return FrozenTrial._from(self._client.call("Tell", request), self._space)

    def trial(self) -> "contextlib.AbstractContextManager[Trial]":
        """A trial under a lease kept alive by a background heartbeat::

            with study.trial() as trial:
                study.tell(trial, train(**trial.params))

        Inside the block call :meth:`tell` (or raise :class:`TrialPruned`). An
        exception fails the trial with its text and propagates; a block that
        ends without telling fails the trial too. If this process dies the
        lease lapses and the coordinator retries the trial elsewhere.
        """
        return self._leased(self.ask(lease=True))

    @contextlib.contextmanager
    def _leased(self, trial: Trial) -> Iterator[Trial]:
        heartbeat = _Heartbeat(trial, max(0.1, self.spec.lease_seconds / 3))
        try:
            yield trial
        except TrialPruned:
            heartbeat.stop()
            if not trial._told:
                self.tell(trial, state="pruned")
            return
        except BaseException as error:
            heartbeat.stop()
            if not trial._told:
                self.tell(trial, state="failed",
                          fail_reason=f"{type(error).__name__}: {error}"[:4000])
            raise
        heartbeat.stop()
        if not trial._told:
            self.tell(trial, state="failed",
                      fail_reason="the trial's block ended without telling a value")

    def optimize(self, objective: Callable[[Trial], float], n_trials: Optional[int] = None,
                 n_jobs: int = 1, catch: Sequence[type] = ()) -> None:
        """Runs ``objective(trial)`` for trial after trial, as Optuna's optimize.

        Stops after ``n_trials`` (across the ``n_jobs`` threads) or when the
        study hands out no more trials (max_trials reached, stopped). The
        objective returns the value; raising :class:`TrialPruned` prunes the
        trial; another exception fails it and is raised here, unless its
        type is in ``catch``.
        """
        lock = threading.Lock()
        started = [0]

        def take() -> bool:
            with lock:
                if n_trials is not None and started[0] >= n_trials:
                    return False
                started[0] += 1
                return True

        def run() -> None:
            while take():
                try:
                    trial = self.ask(lease=True)
                except HpoError as error:
                    if error.code == "FAILED_PRECONDITION":
                        return  # the study hands out no more trials
                    raise
                try:
                    with self._leased(trial):
                        self.tell(trial, float(objective(trial)))
                except tuple(catch):
                    continue

        if n_jobs <= 1:
            run()
            return
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            for future in [pool.submit(run) for _ in range(n_jobs)]:
                future.result()

    def enqueue(self, params: Mapping[str, ParamValue],
                attrs: Optional[Mapping[str, float]] = None) -> FrozenTrial:
        """Queues a trial with these params (Optuna's enqueue_trial).

        It is handed out before new trials are sampled; parameters not given
        are sampled then. It counts towards max_trials.
        """
        request = pb.EnqueueTrialRequest(study_name=self.name, user_attrs=dict(attrs or {}))
        for name, value in params.items():
            request.params[name].CopyFrom(self._space.to_message(name, value))
        return FrozenTrial._from(self._client.call("EnqueueTrial", request), self._space)

    def get_trials(self, states: Optional[Sequence[str]] = None) -> List[FrozenTrial]:
        """Every trial in number order (fetched page by page), or those in ``states``."""
        wanted = {s.upper() for s in states} if states else None
        trials: List[FrozenTrial] = []
        request = pb.ListTrialsRequest(study_name=self.name)
        while True:
            response = self._client.call("ListTrials", request)
            for message in response.trials:
                trial = FrozenTrial._from(message, self._space)
                if wanted is None or trial.state in wanted:
                    trials.append(trial)
            if not response.next_page_token:
                return trials
            request.page_token = response.next_page_token

    @property
    def trials(self) -> List[FrozenTrial]:
        return self.get_trials()

    @property
    def best_trial(self) -> FrozenTrial:
        """The best COMPLETE trial; HpoError NOT_FOUND while there is none."""
        return FrozenTrial._from(
            self._client.call("GetBestTrial", pb.GetBestTrialRequest(study_name=self.name)),
            self._space)

    @property
    def best_value(self) -> float:
        value = self.best_trial.value
        assert value is not None
        return value

    @property
    def best_params(self) -> Dict[str, ParamValue]:
        return self.best_trial.params

    def trials_dataframe(self) -> Any:
        """The trials as a pandas DataFrame (Optuna's columns); needs pandas."""
        import pandas  # optional dependency

        rows = []
        for t in self.trials:
            row: Dict[str, Any] = {"number": t.number, "value": t.value, "state": t.state,
                                   "datetime_start": t.datetime_start,
                                   "datetime_complete": t.datetime_complete}
            row.update({f"params_{k}": v for k, v in t.params.items()})
            row.update({f"user_attrs_{k}": v for k, v in t.user_attrs.items()})
            rows.append(row)
        return pandas.DataFrame(rows)

    def stop(self, drain: bool = False) -> None:
        """No more trials; running ones are told to stop, or with ``drain`` finish."""
        self._message = self._client.call("StopStudy",
                                          pb.StopStudyRequest(study_name=self.name, drain=drain))

    def resume(self) -> None:
        self._message = self._client.call("ResumeStudy",
                                          pb.ResumeStudyRequest(study_name=self.name))

    def __repr__(self) -> str:
        return f"Study(name={self.name!r})"
