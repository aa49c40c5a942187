#!/usr/bin/python3
"""What tuning one's own code through hpo costs per trial (issue 15):

1. hpo agent's overhead per trial beyond the command's own run time: the
   same trivial command (`sh -c 'echo loss=1'`) run N times by a plain
   subprocess loop, then by `hpo agent --count N` against a coordinator on
   loopback (durable SQLite); the difference per trial is what the agent adds
   (ask under a lease, start, read, tell).
2. The Python client's ask+tell round trip (random sampler, durable SQLite),
   next to Debian's Optuna 3.1 doing the same on its SQLite storage (the
   comparable durable setup) and in memory.

  agent_bench.py --hpo BUILD/client/hpo --coordinator BUILD/server/hpo-coordinator
      [--trials 300] [--rounds 500] [--dir DIR]
Needs PYTHONPATH=BUILD/python (the client) and python3-optuna for the peer.
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import hpo

SPEC = """
name: {name}
max_trials: {trials}
objective: {{metric: loss, direction: minimize}}
sampler: {{type: random, seed: 1}}
params:
  lr: {{type: float, low: 1.0e-5, high: 1.0e-1, log: true}}
  weight_decay: {{type: float, low: 1.0e-6, high: 1.0e-1, log: true}}
"""
COMMAND = ["/bin/sh", "-c", "echo loss=1"]


def start_coordinator(binary, directory):
    port_file = os.path.join(directory, "port")
    process = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--db",
                                os.path.join(directory, "bench.db"), "--port-file", port_file],
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if os.path.exists(port_file):
            text = open(port_file).read()
            if text.endswith("\n"):
                return process, text.strip()
        time.sleep(0.02)
    raise RuntimeError("the coordinator did not start")


def quantiles(samples_s):
    ordered = sorted(samples_s)
    def q(p):
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1e3
    return q(0.5), q(0.99), statistics.mean(ordered) * 1e3


def agent_overhead(args, address, client):
    # The command alone, as the agent runs it: stdout and stderr to pipes.
    start = time.perf_counter()
    for _ in range(args.trials):
        subprocess.run(COMMAND + ["--lr=0.001", "--weight_decay=0.0001"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=True)
    alone = (time.perf_counter() - start) / args.trials
    client.create_study(SPEC.format(name="agent", trials=args.trials))
    start = time.perf_counter()
    subprocess.run([args.hpo, "--coordinator", address, "agent", "agent", "--count",
                    str(args.trials), "--"] + COMMAND, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    agent = (time.perf_counter() - start) / args.trials
    study = client.load_study("agent")
    complete = sum(1 for t in study.trials if t.state == "COMPLETE")
    if complete != args.trials:
        raise RuntimeError(f"only {complete} of {args.trials} trials completed")
    return alone, agent


def hpo_round_trips(args, client):
    study = client.create_study(SPEC.format(name="asktell", trials=0))
    samples = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        trial = study.ask()
        study.tell(trial, 1.0)
        samples.append(time.perf_counter() - start)
    return samples


def optuna_round_trips(args, storage):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=1))
    samples = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        trial = study.ask()
        trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        trial.suggest_float("weight_decay", 1e-6, 1e-1, log=True)
        study.tell(trial, 1.0)
        samples.append(time.perf_counter() - start)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hpo", required=True)
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    directory = args.dir or tempfile.mkdtemp(prefix="hpo-agent-bench-")
    process, address = start_coordinator(args.coordinator, directory)
    try:
        client = hpo.connect(address)
        alone, agent = agent_overhead(args, address, client)
        print(f"hpo agent, {args.trials} trials of {' '.join(COMMAND)!r}:")
        print(f"  the command alone      {alone * 1e3:8.2f} ms per run")
        print(f"  under hpo agent        {agent * 1e3:8.2f} ms per trial")
        print(f"  agent overhead         {(agent - alone) * 1e3:8.2f} ms per trial (target < 20 ms)")
        ours = quantiles(hpo_round_trips(args, client))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
    print(f"\nask+tell round trip, {args.rounds} rounds, random sampler "
          "(median / p99 / mean ms):")
    print(f"  hpo Python client, durable SQLite   {ours[0]:7.2f} {ours[1]:7.2f} {ours[2]:7.2f}")
    try:
        sqlite = quantiles(optuna_round_trips(
            args, "sqlite:///" + os.path.join(directory, "optuna.db")))
        memory = quantiles(optuna_round_trips(args, None))
    except ImportError:
        print("  (Optuna is not installed: deploy/install-bench-deps.sh installs it)")
        return
    print(f"  Optuna 3.1, SQLite storage          {sqlite[0]:7.2f} {sqlite[1]:7.2f} {sqlite[2]:7.2f}")
    print(f"  Optuna 3.1, in memory               {memory[0]:7.2f} {memory[1]:7.2f} {memory[2]:7.2f}")
    print(f"  median ratio Optuna SQLite / hpo     {sqlite[0] / ours[0]:7.1f}x")


if __name__ == "__main__":
    sys.exit(main())
