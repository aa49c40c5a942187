#include "common/coordinator_client.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace hpo {

bool IsNoAnswer(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

CoordinatorClient::CoordinatorClient(std::shared_ptr<grpc::Channel> channel, std::string address,
                                     std::string token, RetryPolicy policy, bool plaintext)
    : channel_(std::move(channel)),
      address_(std::move(address)),
      token_(std::move(token)),
      plaintext_(plaintext),
      policy_(std::move(policy)),
      stub_(v1::Coordinator::NewStub(channel_)) {}

CoordinatorClient::CoordinatorClient(const Connection& connection, RetryPolicy policy)
    : CoordinatorClient(MakeChannel(connection), connection.address, connection.token,
                        std::move(policy), !connection.tls) {}

CoordinatorClient::CoordinatorClient(const std::string& address)
    : CoordinatorClient(Connection{address, "", grpc::InsecureChannelCredentials()}) {}

absl::StatusOr<CoordinatorClient> CoordinatorClient::Connect(const ConnectionFlags& flags,
                                                             RetryPolicy policy) {
  absl::StatusOr<Connection> connection = ResolveConnection(flags);
  if (!connection.ok()) return connection.status();
  return CoordinatorClient(*connection, std::move(policy));
}

absl::Status CoordinatorClient::Convert(const grpc::Status& status, bool from_coordinator) const {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  absl::Status converted(code, status.error_message());
  if (from_coordinator || !IsNoAnswer(converted)) return converted;
  if (plaintext_ && absl::StrContains(status.error_message(), "Socket closed") &&
      ServesTls(address_)) {
    // Not retried: this does not mend itself.
    return absl::FailedPreconditionError(absl::StrCat("the coordinator at ", address_,
                                                      " serves TLS: give --tls-ca, the CA "
                                                      "certificate that signed its certificate"));
  }
  return absl::Status(
      code, absl::StrCat("cannot reach the coordinator at ", address_, " (", status.error_message(),
                         "); is hpo-coordinator running? Set --coordinator "
                         "or HPO_COORDINATOR"));
}

void CoordinatorClient::WaitForChannel(std::chrono::milliseconds duration) const {
  const auto end = std::chrono::system_clock::now() + duration;
  while (!Stopped() && std::chrono::system_clock::now() < end) {
    const auto slice =
        std::min(end, std::chrono::system_clock::now() + std::chrono::milliseconds(50));
    if (channel_->WaitForConnected(slice)) return;
  }
}

template <typename Request, typename Response>
absl::StatusOr<Response> CoordinatorClient::Call(
    grpc::Status (v1::Coordinator::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
    const Request& request, const Attempt& attempt) {
  std::optional<Clock::time_point> give_up_at = attempt.give_up_at;
  if (!give_up_at.has_value() && policy_.retry_for != kRetryForever) {
    give_up_at = Clock::now() + policy_.retry_for;
  }
  std::chrono::milliseconds wait(200);
  while (true) {
    grpc::ClientContext context;
    Authorize(token_, &context);
    context.set_deadline(std::chrono::system_clock::now() +
                         attempt.timeout.value_or(policy_.rpc_timeout));
    context.set_wait_for_ready(attempt.wait_for_ready);
    Response response;
    grpc::Status result = (stub_.get()->*method)(&context, request, &response);
    absl::Status status =
        Convert(result, context.GetServerTrailingMetadata().count(kErrorSourceKey) > 0);
    if (status.ok()) return response;
    if (!attempt.retry || !IsNoAnswer(status) || Stopped()) return status;
    if (give_up_at.has_value() && Clock::now() >= *give_up_at) return status;
    if (policy_.on_retry) policy_.on_retry(status, wait);
    WaitForChannel(wait);
    wait = std::min(wait * 2, std::chrono::milliseconds(1000));
  }
}

absl::StatusOr<v1::Study> CoordinatorClient::CreateStudy(const v1::StudySpec& spec,
                                                         bool load_if_exists) {
  v1::CreateStudyRequest request;
  *request.mutable_spec() = spec;
  request.set_load_if_exists(load_if_exists);
  return Call(&v1::Coordinator::Stub::CreateStudy, request);
}

absl::StatusOr<v1::Study> CoordinatorClient::GetStudy(const std::string& name) {
  v1::GetStudyRequest request;
  request.set_study_name(name);
  return Call(&v1::Coordinator::Stub::GetStudy, request);
}

absl::StatusOr<std::vector<v1::Study>> CoordinatorClient::ListStudies() {
  std::vector<v1::Study> studies;
  v1::ListStudiesRequest request;
  do {
    absl::StatusOr<v1::ListStudiesResponse> response =
        Call(&v1::Coordinator::Stub::ListStudies, request);
    if (!response.ok()) return response.status();
    studies.insert(studies.end(), response->studies().begin(), response->studies().end());
    request.set_page_token(response->next_page_token());
  } while (!request.page_token().empty());
  return studies;
}

absl::StatusOr<v1::Study> CoordinatorClient::StopStudy(const std::string& name, bool drain) {
  v1::StopStudyRequest request;
  request.set_study_name(name);
  request.set_drain(drain);
  return Call(&v1::Coordinator::Stub::StopStudy, request);
}

absl::StatusOr<v1::Study> CoordinatorClient::UpdateStudy(const v1::StudySpec& spec) {
  v1::UpdateStudyRequest request;
  *request.mutable_spec() = spec;
  return Call(&v1::Coordinator::Stub::UpdateStudy, request);
}

absl::Status CoordinatorClient::DeleteStudy(const std::string& name, bool force) {
  v1::DeleteStudyRequest request;
  request.set_study_name(name);
  request.set_force(force);
  return Call(&v1::Coordinator::Stub::DeleteStudy, request).status();
}

absl::StatusOr<v1::Study> CoordinatorClient::ResumeStudy(const std::string& name) {
  v1::ResumeStudyRequest request;
  request.set_study_name(name);
  return Call(&v1::Coordinator::Stub::ResumeStudy, request);
}

absl::Status CoordinatorClient::ForEachTrial(const std::string& name, int64_t start_number,
                                             absl::FunctionRef<void(const v1::Trial&)> visit) {
  v1::ListTrialsRequest request;
  request.set_study_name(name);
  request.set_start_number(start_number);
  do {
    absl::StatusOr<v1::ListTrialsResponse> response =
        Call(&v1::Coordinator::Stub::ListTrials, request);
    if (!response.ok()) return response.status();
    for (const v1::Trial& trial : response->trials()) visit(trial);
    request.set_page_token(response->next_page_token());
  } while (!request.page_token().empty());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Trial>> CoordinatorClient::ListTrials(const std::string& name) {
  std::vector<v1::Trial> trials;
  RETURN_IF_ERROR(ForEachTrial(name, 0, [&](const v1::Trial& trial) { trials.push_back(trial); }));
  return trials;
}

absl::StatusOr<v1::GetParamImportancesResponse> CoordinatorClient::GetParamImportances(
    const std::string& name) {
  v1::GetParamImportancesRequest request;
  request.set_study_name(name);
  return Call(&v1::Coordinator::Stub::GetParamImportances, request);
}

absl::StatusOr<v1::Trial> CoordinatorClient::GetBestTrial(const std::string& name) {
  v1::GetBestTrialRequest request;
  request.set_study_name(name);
  return Call(&v1::Coordinator::Stub::GetBestTrial, request);
}

absl::StatusOr<v1::AskResponse> CoordinatorClient::Ask(const std::string& name, bool lease) {
  v1::AskRequest request;
  request.set_study_name(name);
  request.set_lease(lease);
  return Call(&v1::Coordinator::Stub::Ask, request);
}

absl::StatusOr<v1::HeartbeatResponse> CoordinatorClient::Heartbeat(
    const v1::TrialRef& trial, std::optional<std::chrono::milliseconds> timeout,
    bool wait_for_ready) {
  v1::HeartbeatRequest request;
  *request.mutable_trial() = trial;
  Attempt attempt;
  attempt.timeout = timeout;
  attempt.wait_for_ready = wait_for_ready;
  attempt.retry = false;
  return Call(&v1::Coordinator::Stub::Heartbeat, request, attempt);
}

absl::StatusOr<v1::Trial> CoordinatorClient::Tell(const v1::TellRequest& request) {
  return Call(&v1::Coordinator::Stub::Tell, request);
}

absl::StatusOr<v1::Trial> CoordinatorClient::EnqueueTrial(const v1::EnqueueTrialRequest& request) {
  return Call(&v1::Coordinator::Stub::EnqueueTrial, request);
}

absl::StatusOr<v1::ReportIntermediateResponse> CoordinatorClient::Report(const v1::TrialRef& trial,
                                                                         int64_t step,
                                                                         double value) {
  v1::ReportIntermediateRequest request;
  *request.mutable_trial() = trial;
  request.set_step(step);
  request.set_value(value);
  return Call(&v1::Coordinator::Stub::ReportIntermediate, request);
}

absl::StatusOr<v1::AcquireTrialResponse> CoordinatorClient::AcquireTrial(
    const v1::AcquireTrialRequest& request, std::optional<Clock::time_point> give_up_at) {
  Attempt attempt;
  attempt.give_up_at = give_up_at;
  return Call(&v1::Coordinator::Stub::AcquireTrial, request, attempt);
}

absl::StatusOr<v1::Trial> CoordinatorClient::CompleteTrial(
    const v1::CompleteTrialRequest& request) {
  return Call(&v1::Coordinator::Stub::CompleteTrial, request);
}

absl::StatusOr<v1::Trial> CoordinatorClient::FailTrial(const v1::FailTrialRequest& request) {
  return Call(&v1::Coordinator::Stub::FailTrial, request);
}

}  // namespace hpo
