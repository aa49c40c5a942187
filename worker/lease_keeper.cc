#include "worker/lease_keeper.h"

#include <grpcpp/grpcpp.h>

#include "common/connection.h"

namespace hpo::worker {

LeaseKeeper::LeaseKeeper(v1::Coordinator::StubInterface* stub, v1::TrialRef ref,
                         std::chrono::milliseconds period, std::string token)
    : stub_(stub),
      ref_(std::move(ref)),
      period_(period),
      token_(std::move(token)),
      thread_([this] { Loop(); }) {}

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
    grpc::ClientContext context;
    Authorize(token_, &context);
    context.set_deadline(std::chrono::system_clock::now() + period_);
    // Waiting for the channel (rather than failing fast while it is down)
    // makes gRPC reconnect at once when a restarted coordinator is back,
    // before the lease it re-armed lapses.
    context.set_wait_for_ready(true);
    v1::HeartbeatRequest request;
    *request.mutable_trial() = ref_;
    v1::HeartbeatResponse response;
    grpc::Status status = stub_->Heartbeat(&context, request, &response);
    lock.lock();
    // UNAVAILABLE or a timeout: the coordinator may be restarting; it re-arms
    // leases when it comes back, so keep training and keep trying.
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
        status.error_code() == grpc::StatusCode::NOT_FOUND) {
      stop_ = {TrialStop::kLeaseLost, status.error_message()};
    } else if (status.ok() && response.should_stop()) {
      stop_ = {TrialStop::kStudyStopped, "study stopped"};
    }
  }
}

}  // namespace hpo::worker
