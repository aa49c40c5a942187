// A connection to a coordinator, for every program that calls one (the CLI,
// the worker, the benchmarks): each call returns absl::StatusOr, with a
// message that says which coordinator could not be reached, and follows one
// retry policy (RetryPolicy). Thread-compatible; calls from several threads
// at once are safe (the gRPC stub is thread-safe).
#ifndef HPO_COMMON_COORDINATOR_CLIENT_H_
#define HPO_COMMON_COORDINATOR_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "common/connection.h"
#include "hpo/v1/coordinator.grpc.pb.h"

namespace hpo {

// Which calls are tried again, and for how long. A call that got no answer -
// UNAVAILABLE or DEADLINE_EXCEEDED: the coordinator is down, restarting, slow,
// or says it cannot write (a full disk) - is retried after 200 ms, then at
// doubling intervals up to 1 s, while the channel is driven to reconnect (so a
// restarted coordinator is found within about a second), until `retry_for` has
// passed since the first attempt or `*stop` becomes true. Every other error is
// the coordinator's answer and is returned at once.
//
// A retried call may have been applied the first time (its answer was lost):
// Ask then makes a second trial, Tell or CompleteTrial meets a finished one.
// Programs that retry (the worker) hold leases, so an orphaned trial is
// reaped; the CLI, which a person watches, does not retry.
struct RetryPolicy {
  std::chrono::milliseconds rpc_timeout{30'000};  // each attempt's deadline
  std::chrono::milliseconds retry_for{0};         // 0: one attempt
  const std::atomic<bool>* stop = nullptr;        // ends the retrying; may be null
  // Called before each wait, e.g. to log it; may be empty.
  std::function<void(const absl::Status& status, std::chrono::milliseconds wait)> on_retry;
};

// Retry until `stop` (or forever).
inline constexpr std::chrono::milliseconds kRetryForever = std::chrono::milliseconds::max();

// Whether `status` means that no answer came (what RetryPolicy retries).
bool IsNoAnswer(const absl::Status& status);

class CoordinatorClient {
 public:
  using Clock = std::chrono::steady_clock;

  // `address` names the coordinator in messages; `plaintext`: the channel
  // has no TLS, so a closed connection is checked for a TLS coordinator.
  CoordinatorClient(std::shared_ptr<grpc::Channel> channel, std::string address, std::string token,
                    RetryPolicy policy = {}, bool plaintext = false);
  explicit CoordinatorClient(const Connection& connection, RetryPolicy policy = {});
  // A plaintext connection without a token (a local coordinator).
  explicit CoordinatorClient(const std::string& address);
  // Reads the files the flags name, then connects.
  static absl::StatusOr<CoordinatorClient> Connect(const ConnectionFlags& flags,
                                                   RetryPolicy policy = {});

  const std::string& address() const { return address_; }

  absl::StatusOr<v1::Study> CreateStudy(const v1::StudySpec& spec, bool load_if_exists);
  absl::StatusOr<v1::Study> GetStudy(const std::string& name);
  absl::StatusOr<std::vector<v1::Study>> ListStudies();
  absl::StatusOr<v1::Study> StopStudy(const std::string& name, bool drain = false);
  absl::StatusOr<v1::Study> ResumeStudy(const std::string& name);
  absl::StatusOr<v1::Study> UpdateStudy(const v1::StudySpec& spec);
  absl::Status DeleteStudy(const std::string& name, bool force);
  // Calls `visit` on each trial of the study numbered `start_number` or
  // more, in order, fetching them page by page.
  absl::Status ForEachTrial(const std::string& name, int64_t start_number,
                            absl::FunctionRef<void(const v1::Trial&)> visit);
  // Every trial of the study.
  absl::StatusOr<std::vector<v1::Trial>> ListTrials(const std::string& name);
  absl::StatusOr<v1::Trial> GetBestTrial(const std::string& name);
  absl::StatusOr<v1::GetParamImportancesResponse> GetParamImportances(const std::string& name);
  // A trial to evaluate, under a lease if `lease` (see AskRequest).
  absl::StatusOr<v1::AskResponse> Ask(const std::string& name, bool lease);
  absl::StatusOr<v1::Trial> Tell(const v1::TellRequest& request);
  absl::StatusOr<v1::Trial> EnqueueTrial(const v1::EnqueueTrialRequest& request);
  // Reports a trial's value at `step`; the answer says whether to prune.
  absl::StatusOr<v1::ReportIntermediateResponse> Report(const v1::TrialRef& trial, int64_t step,
                                                        double value);

  // A worker's calls. AcquireTrial retries until `give_up_at`, if given,
  // rather than for the policy's retry_for.
  absl::StatusOr<v1::AcquireTrialResponse> AcquireTrial(
      const v1::AcquireTrialRequest& request, std::optional<Clock::time_point> give_up_at);
  absl::StatusOr<v1::Trial> CompleteTrial(const v1::CompleteTrialRequest& request);
  absl::StatusOr<v1::Trial> FailTrial(const v1::FailTrialRequest& request);

  // One heartbeat, not retried (heartbeats repeat). With `wait_for_ready`, the
  // call waits up to `timeout` for the channel instead of failing fast while
  // it is down, so gRPC reconnects as soon as a restarted coordinator is back.
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(
      const v1::TrialRef& trial, std::optional<std::chrono::milliseconds> timeout = std::nullopt,
      bool wait_for_ready = false);

 private:
  struct Attempt {
    std::optional<Clock::time_point> give_up_at;  // default: from the policy
    std::optional<std::chrono::milliseconds> timeout;
    bool wait_for_ready = false;
    bool retry = true;
  };

  // Converts a gRPC status, naming the address when it was unreachable (not
  // when the coordinator itself answered, e.g. that its disk is full).
  absl::Status Convert(const grpc::Status& status, bool from_coordinator) const;
  // Runs one unary call under the retry policy.
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (v1::Coordinator::Stub::*method)(grpc::ClientContext*,
                                                                              const Request&,
                                                                              Response*),
                                const Request& request, const Attempt& attempt);
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (v1::Coordinator::Stub::*method)(grpc::ClientContext*,
                                                                              const Request&,
                                                                              Response*),
                                const Request& request) {
    return Call(method, request, Attempt{});
  }
  // Waits up to `duration` for the channel to connect, returning early once
  // it has or when the policy's stop is set.
  void WaitForChannel(std::chrono::milliseconds duration) const;
  bool Stopped() const { return policy_.stop != nullptr && policy_.stop->load(); }

  std::shared_ptr<grpc::Channel> channel_;
  std::string address_;
  std::string token_;
  // A closed plaintext connection may mean the coordinator serves TLS
  // (ServesTls), which the error then says.
  bool plaintext_;
  RetryPolicy policy_;
  std::unique_ptr<v1::Coordinator::Stub> stub_;
};

}  // namespace hpo

#endif  // HPO_COMMON_COORDINATOR_CLIENT_H_
