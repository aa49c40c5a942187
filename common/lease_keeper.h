// Keeps the lease on a trial alive (a worker's, or hpo agent's): heartbeats
// from a background thread while the trial runs, and remembers whether the
// coordinator said the lease is lost or the study stopped. Thread-safe.
#ifndef HPO_COMMON_LEASE_KEEPER_H_
#define HPO_COMMON_LEASE_KEEPER_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "common/coordinator_client.h"
#include "common/trial_stop.h"
#include "hpo/v1/coordinator.pb.h"

namespace hpo {

class LeaseKeeper {
 public:
  // Starts heartbeating `ref` every `period`. `client` must outlive this.
  LeaseKeeper(CoordinatorClient* client, v1::TrialRef ref, std::chrono::milliseconds period);
  // The heartbeat period for a study's lease_seconds: a third of the lease
  // (two heartbeats may be lost before it lapses), at least 100 ms.
  static std::chrono::milliseconds PeriodFor(double lease_seconds) {
    return std::chrono::milliseconds(
        std::max<int64_t>(100, static_cast<int64_t>(lease_seconds * 1000 / 3)));
  }
  // Stops the thread.
  ~LeaseKeeper();

  // Whether the trial should stop: kLeaseLost (with the coordinator's
  // message), kStudyStopped, or kNone.
  TrialStop Stop() const;

 private:
  void Loop();

  CoordinatorClient* client_;
  const v1::TrialRef ref_;
  const std::chrono::milliseconds period_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  TrialStop stop_;
  std::thread thread_;
};

}  // namespace hpo

#endif  // HPO_COMMON_LEASE_KEEPER_H_
