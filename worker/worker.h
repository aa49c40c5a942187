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
#include "common/coordinator_client.h"
#include "grpcpp/channel.h"
#include "hpo/v1/coordinator.grpc.pb.h"
#include "worker/data_roots.h"
#include "worker/engine/data.h"

namespace hpo::worker {

struct WorkerOptions {
  std::string worker_id;
  std::string study_name;      // empty: any study with a task
  int64_t max_trials = 0;      // stop after this many trials; 0: no limit
  // Stop once the coordinator has had nothing to hand out for this long; 0: never.
  double exit_when_idle_s = 0;
  std::chrono::milliseconds rpc_timeout{10'000};
  std::string coordinator_address;  // for messages
  std::string token;                // bearer token sent with every call; "" for none
  bool tls = false;                 // the channel is TLS (else a TLS coordinator is named)
  // Where a study's data may be read from, and the largest file read.
  DataRoots data_roots;
  int64_t max_data_bytes = engine::kDefaultMaxDataBytes;
  int threads = 1;  // for each trial's training (engine::TrainConfig::threads)
};

class Worker {
 public:
  // Calls the coordinator over `channel`.
  Worker(std::shared_ptr<grpc::Channel> channel, WorkerOptions options)
      : channel_(std::move(channel)), options_(std::move(options)) {}

  // Runs until `stop` becomes true, max_trials are done or the worker has been
  // idle long enough. A trial in hand when `stop` is set is given back
  // ("worker stopped", queued again). A trial whose task cannot run (its data
  // does not load, a refused path, out of memory) fails as a task_error and
  // the worker goes on with other studies; but a worker serving one study
  // (--study) gives the trial back and stops with that error, since it has
  // nothing else to do. Errors otherwise only for what retrying cannot fix:
  // every call is retried while the coordinator does not answer (RetryPolicy),
  // until `stop`, or until --exit-when-idle has passed for AcquireTrial.
  absl::Status Run(const std::atomic<bool>& stop);

 private:
  // Errors only when this worker, serving one study, cannot run its trials.
  absl::Status RunTrial(CoordinatorClient& client, const v1::AcquireTrialResponse& acquired,
                        const std::atomic<bool>& stop);
  // The data `config` names, its paths resolved under the data roots; the last
  // one loaded is kept for the next trial.
  absl::StatusOr<const engine::DataSplit*> Data(engine::DataConfig config);

  std::shared_ptr<grpc::Channel> channel_;
  const WorkerOptions options_;
  std::string data_key_;
  std::unique_ptr<engine::DataSplit> data_;  // the last dataset loaded
};

}  // namespace hpo::worker

#endif  // HPO_WORKER_WORKER_H_
