#!/usr/bin/env python3
"""Writes the seed programs of coordinator_fuzzer into its corpus directory.

Each call is one byte (the call; 0x80 aims it at the last trial handed out),
two bytes of length (little endian) and the request proto, encoded from text
format by protoc. Run from the repository root:
    tests/fuzz/make_coordinator_seeds.py tests/fuzz/corpus/coordinator_fuzzer
"""
import hashlib
import os
import subprocess
import sys

CALLS = {
    "CreateStudy": (0, "CreateStudyRequest"), "GetStudy": (1, "GetStudyRequest"),
    "ListStudies": (2, "ListStudiesRequest"), "StopStudy": (3, "StopStudyRequest"),
    "ResumeStudy": (4, "ResumeStudyRequest"), "AcquireTrial": (5, "AcquireTrialRequest"),
    "Heartbeat": (6, "HeartbeatRequest"), "ReportIntermediate": (7, "ReportIntermediateRequest"),
    "CompleteTrial": (8, "CompleteTrialRequest"), "FailTrial": (9, "FailTrialRequest"),
    "Ask": (10, "AskRequest"), "Tell": (11, "TellRequest"), "ListTrials": (12, "ListTrialsRequest"),
    "GetBestTrial": (13, "GetBestTrialRequest"), "UpdateStudy": (16, "UpdateStudyRequest"),
    "DeleteStudy": (17, "DeleteStudyRequest"),
}

TASK_SPEC = """spec { name: "task" sampler { type: "tpe" seed: 3 n_startup_trials: 2 }
  pruner { type: "asha" } max_trials: 6 lease_seconds: 2 max_retries: 2
  params { name: "lr" float_distribution { low: 0.001 high: 0.1 log: true } }
  params { name: "activation" categorical_distribution { choices: ["relu", "tanh"] } }
  params { name: "batch_size" int_distribution { low: 16 high: 64 step: 16 } }
  task { dataset { name: "synthetic-regression" } model { type: "mlp" hidden: [8] } epochs: 3 } }"""
ASK_SPEC = """spec { name: "asktell" direction: MAXIMIZE max_trials: 5 lease_seconds: 1
  params { name: "x" float_distribution { low: -10 high: 10 } }
  params { name: "n" int_distribution { low: 1 high: 64 log: true } } }"""


def encode(message, text):
    return subprocess.run(
        ["protoc", "--encode=hpo.v1." + message, "-Iproto", "proto/hpo/v1/coordinator.proto"],
        input=text.encode(), capture_output=True, check=True).stdout


def call(name, text="", at_last=False):
    op, message = CALLS[name]
    body = encode(message, text)
    return bytes([op | (0x80 if at_last else 0), len(body) & 0xFF, len(body) >> 8]) + body


def advance(ms):
    ticks = ms // 10
    return bytes([14, 2, 0, ticks >> 8, ticks & 0xFF])


RESTART = bytes([15, 0, 0])

PROGRAMS = [
    [call("CreateStudy", TASK_SPEC), call("AcquireTrial", 'worker_id: "w1"'),
     call("ReportIntermediate", "step: 1 value: 0.5", True), call("Heartbeat", "", True),
     call("CompleteTrial", 'value: 0.4 user_attrs { key: "val_accuracy" value: 0.9 }', True),
     call("AcquireTrial", 'worker_id: "w2"'), call("ReportIntermediate", "step: 1 value: 0.9", True),
     advance(3000), RESTART, call("ListTrials"), call("GetBestTrial"), call("ListStudies")],
    [call("CreateStudy", ASK_SPEC), call("Ask", "lease: true"),
     call("Tell", "value: 1.5", True), call("Ask", "lease: true"),
     call("ReportIntermediate", "step: 3 value: 2", True),
     call("ReportIntermediate", "step: 1 value: 1", True), RESTART, advance(2000), call("Ask"),
     call("StopStudy"), call("ResumeStudy"), call("Tell", "state: FAILED fail_reason: \"x\"", True),
     call("GetStudy")],
    [call("CreateStudy", TASK_SPEC)] +
    [c for _ in range(3) for c in (call("AcquireTrial", 'worker_id: "w"'),
                                   call("FailTrial", 'reason: "no data" task_error: true', True))] +
    [call("GetStudy"), call("ResumeStudy"), call("AcquireTrial", 'worker_id: "w"'),
     call("FailTrial", "retry: true", True), call("ListTrials", "page_size: 1"), RESTART],
    # The lifecycle: drain with a trial running, raise max_trials, delete, create again.
    [call("CreateStudy", ASK_SPEC), call("Ask", "lease: true"), call("StopStudy", "drain: true"),
     call("Ask"), call("Tell", "value: 2", True), call("GetStudy"),
     call("UpdateStudy", ASK_SPEC.replace("max_trials: 5", "max_trials: 7")), call("ResumeStudy"),
     call("Ask"), call("DeleteStudy"), call("DeleteStudy", "force: true"), RESTART,
     call("CreateStudy", ASK_SPEC), call("Ask"), call("ListStudies")],
]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for program in PROGRAMS:
        data = b"".join(program)
        with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
