#include "common/lease_keeper.h"

namespace hpo {

LeaseKeeper::LeaseKeeper(CoordinatorClient* client, v1::TrialRef ref,
                         std::chrono::milliseconds period)
    : client_(client), ref_(std::move(ref)), period_(period), thread_([this] { Loop(); }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

TrialStop LeaseKeeper::Stop() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_;
}

void LeaseKeeper::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, period_, [this] { return done_; })) {
    lock.unlock();
    // Waiting for the channel (rather than failing fast while it is down)
    // makes gRPC reconnect at once when a restarted coordinator is back,
    // before the lease it re-armed lapses.
    absl::StatusOr<v1::HeartbeatResponse> response =
        client_->Heartbeat(ref_, period_, /*wait_for_ready=*/true);
    lock.lock();
    // UNAVAILABLE or a timeout: the coordinator may be restarting; it re-arms
    // leases when it comes back, so keep training and keep trying.
    if (absl::IsFailedPrecondition(response.status()) || absl::IsNotFound(response.status())) {
      stop_ = {TrialStop::kLeaseLost, std::string(response.status().message())};
    } else if (response.ok() && response->should_stop()) {
      stop_ = {TrialStop::kStudyStopped, "study stopped"};
    }
  }
}

}  // namespace hpo
