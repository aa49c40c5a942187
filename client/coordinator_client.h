// The client's connection to a coordinator: each call returns absl::StatusOr,
// with a message that says which coordinator could not be reached.
// Thread-compatible.
#ifndef HPO_CLIENT_COORDINATOR_CLIENT_H_
#define HPO_CLIENT_COORDINATOR_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "common/connection.h"
#include "hpo/v1/coordinator.grpc.pb.h"

namespace hpo::client {

class CoordinatorClient {
 public:
  explicit CoordinatorClient(Connection connection);
  // A plaintext connection without a token (a local coordinator).
  explicit CoordinatorClient(const std::string& address);
  // Reads the files the flags name, then connects.
  static absl::StatusOr<CoordinatorClient> Connect(const ConnectionFlags& flags);

  const std::string& address() const { return connection_.address; }

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
  // A trial to evaluate, under a lease if `lease` (see AskRequest).
  absl::StatusOr<v1::AskResponse> Ask(const std::string& name, bool lease);
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::TrialRef& trial);
  absl::StatusOr<v1::Trial> Tell(const v1::TellRequest& request);
  // Reports an asked trial's value at `step`; the answer says whether to prune.
  absl::StatusOr<v1::ReportIntermediateResponse> Report(const v1::TrialRef& trial, int64_t step,
                                                        double value);

 private:
  // Converts a gRPC status, naming the address when it was unreachable (not
  // when the coordinator itself answered, e.g. that its disk is full).
  absl::Status Convert(const grpc::Status& status, bool from_coordinator) const;
  // Runs one unary call with a deadline.
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(
      grpc::Status (v1::Coordinator::Stub::*method)(grpc::ClientContext*, const Request&,
                                                    Response*),
      const Request& request);

  Connection connection_;
  std::unique_ptr<v1::Coordinator::Stub> stub_;
};

}  // namespace hpo::client

#endif  // HPO_CLIENT_COORDINATOR_CLIENT_H_
