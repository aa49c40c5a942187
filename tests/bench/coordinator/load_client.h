// The clients of the load benchmark: N threads, each with its own gRPC
// connection to the coordinator, each looping acquire -> think -> complete
// (or ask -> think -> tell) on one study with a trivial objective, recording
// the latency of every call.
#ifndef HPO_TESTS_BENCH_COORDINATOR_LOAD_CLIENT_H_
#define HPO_TESTS_BENCH_COORDINATOR_LOAD_CLIENT_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hpo/v1/study.pb.h"
#include "nlohmann/json.hpp"
#include "tests/bench/common/coordinator_process.h"

namespace hpo::bench {

struct Workload {
  std::string address;
  std::string study;
  bool acquire = true;  // AcquireTrial + CompleteTrial under a lease; else Ask + Tell
  int clients = 8;
  // Bounds of the run; whichever comes first ends it (0: no bound).
  int64_t trials = 0;  // start no more trials than this
  double seconds = 0;  // start no trial after this long
  // Mean sleep between taking a trial and finishing it: each sleep is drawn
  // uniformly from [0.5, 1.5] x think_ms, and each client first waits a
  // uniform [0, think_ms), so that workers are not in lockstep (real trials
  // neither start nor end together).
  int think_ms = 0;
};

struct LoadResult {
  int64_t finished = 0;                   // trials completed without an error
  double wall_seconds = 0;                // from all clients connected to the last one done
  std::vector<double> take_ms;            // AcquireTrial or Ask, one per call
  std::vector<double> finish_ms;          // CompleteTrial or Tell, one per call
  int64_t errors = 0;                     // calls with a non-OK status
  int64_t empty_acquires = 0;             // AcquireTrial answered "nothing to do"
  std::vector<std::string> first_errors;  // the first few, with their messages
  ProcessUsage coordinator_start, coordinator_end;  // around the measured wall time
  ProcessUsage self_start, self_end;                // this process (the clients)
};

// Runs `workload` against the coordinator process `coordinator` (for its
// usage figures). Connection failures count as errors; never throws.
LoadResult RunLoad(const Workload& workload, pid_t coordinator);

// The objective every client reports: a smooth bowl over the four AdamW
// parameters, cheap enough to cost nothing (same as optuna_load.py).
double Objective(double lr, double weight_decay, double beta1, double beta2);

// The study the clients work on: the four AdamW params, minimised, with the
// given sampler (seed 1). It has a task only because AcquireTrial hands out
// trials of studies with one; nothing is trained.
v1::StudySpec LoadStudySpec(const std::string& name, const std::string& sampler);

// {"n", "p50_ms", "p99_ms", "max_ms"} of latencies in ms; {"n": 0} for none.
nlohmann::json Quantiles(const std::vector<double>& ms);

}  // namespace hpo::bench

#endif  // HPO_TESTS_BENCH_COORDINATOR_LOAD_CLIENT_H_
