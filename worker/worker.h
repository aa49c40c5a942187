// The worker loop: acquire a trial, train it, report each epoch, complete or
// fail it, repeat. It holds nothing that matters between trials but a cache of
// loaded datasets; killing it loses only the trial in hand.
//
// Not thread-safe: one Worker runs on one thread (plus its heartbeat thread).
#ifndef HPO_WORKER_WORKER_H_
#define HPO_WORKER_WORKER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "hpo/v1/coordinator.grpc.pb.h"
#include "worker/engine/data.h"

namespace hpo::worker {

struct WorkerOptions {
  std::string worker_id;
  std::string study_name;      // empty: any study with a task
  int64_t max_trials = 0;      // stop after this many trials; 0: no limit
  // Stop once the coordinator has had nothing to hand out for this long; 0: never.
  double exit_when_idle_s = 0;
  std::chrono::milliseconds rpc_timeout{10'000};
  std::string token;  // bearer token sent with every call; "" for none
};

class Worker {
 public:
  // `stub` must outlive the worker.
  Worker(v1::Coordinator::StubInterface* stub, WorkerOptions options)
      : stub_(stub), options_(std::move(options)) {}

  // Runs until `stop` becomes true, max_trials are done or the worker has been
  // idle long enough. A trial in hand when `stop` is set is given back
  // ("worker stopped", queued again). Errors only for what retrying cannot
  // fix, such as data that does not load (its trial is given back too).
  absl::Status Run(const std::atomic<bool>& stop);

 private:
  // Errors only when this worker cannot run the study's trials at all.
  absl::Status RunTrial(const v1::AcquireTrialResponse& acquired, const std::atomic<bool>& stop);
  absl::StatusOr<const engine::DataSplit*> Data(const engine::DataConfig& config);

  v1::Coordinator::StubInterface* stub_;
  const WorkerOptions options_;
  std::string data_key_;
  std::unique_ptr<engine::DataSplit> data_;  // the last dataset loaded
};

}  // namespace hpo::worker

#endif  // HPO_WORKER_WORKER_H_
