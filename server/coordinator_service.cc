#include "server/coordinator_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/api_limits.h"
#include "common/connection.h"
#include "common/constant_time.h"
#include "common/spec_loader.h"
#include "common/status_macros.h"

namespace hpo::server {
namespace {

constexpr size_t kMaxSpecFileBytes = 256;

// The spec a CreateStudyRequest gives as the text of a YAML file.
absl::StatusOr<v1::StudySpec> SpecFromYaml(const v1::CreateStudyRequest& request) {
  if (request.has_spec()) {
    return absl::InvalidArgumentError("spec_yaml: give spec or spec_yaml, not both");
  }
  if (static_cast<int64_t>(request.spec_yaml().size()) > kMaxSpecBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "spec_yaml: at most ", kMaxSpecBytes, " bytes (got ", request.spec_yaml().size(), ")"));
  }
  const std::string& file = request.spec_file();
  const bool printable = std::all_of(file.begin(), file.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  });
  if (file.size() > kMaxSpecFileBytes || !printable) {
    return absl::InvalidArgumentError(absl::StrCat("spec_file: at most ", kMaxSpecFileBytes,
                                                   " bytes, without control characters"));
  }
  return LoadStudySpecYaml(request.spec_yaml(), file.empty() ? "spec.yaml" : file);
}

}  // namespace

template <typename Response, typename Call>
grpc::Status CoordinatorService::Handle(grpc::ServerContext* context, Call call,
                                        Response* response) {
  if (!token_.empty()) {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find("authorization");
    const std::string expected = "Bearer " + token_;
    if (it == metadata.end() ||
        !ConstantTimeEquals(absl::string_view(it->second.data(), it->second.size()), expected)) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "missing or wrong bearer token (set --token-file or HPO_TOKEN)");
    }
  }
  absl::StatusOr<Response> result = call();
  if (!result.ok()) {
    // Tells clients this error is the coordinator's answer, not the transport's.
    context->AddTrailingMetadata(kErrorSourceKey, "coordinator");
    return ToGrpcStatus(result.status());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

grpc::Status CoordinatorService::CreateStudy(grpc::ServerContext* context,
                                             const v1::CreateStudyRequest* request,
                                             v1::Study* response) {
  return Handle(
      context,
      [&]() -> absl::StatusOr<v1::Study> {
        if (request->spec_yaml().empty()) {
          return coordinator_->CreateStudy(request->spec(), request->load_if_exists());
        }
        ASSIGN_OR_RETURN(v1::StudySpec spec, SpecFromYaml(*request));
        return coordinator_->CreateStudy(std::move(spec), request->load_if_exists());
      },
      response);
}

grpc::Status CoordinatorService::GetStudy(grpc::ServerContext* context,
                                          const v1::GetStudyRequest* request,
                                          v1::Study* response) {
  return Handle(
      context, [&] { return coordinator_->GetStudy(request->study_name()); }, response);
}

grpc::Status CoordinatorService::ListStudies(grpc::ServerContext* context,
                                             const v1::ListStudiesRequest* request,
                                             v1::ListStudiesResponse* response) {
  return Handle(
      context, [&] { return coordinator_->ListStudies(*request); }, response);
}

grpc::Status CoordinatorService::StopStudy(grpc::ServerContext* context,
                                           const v1::StopStudyRequest* request,
                                           v1::Study* response) {
  return Handle(
      context, [&] { return coordinator_->StopStudy(request->study_name(), request->drain()); },
      response);
}

grpc::Status CoordinatorService::UpdateStudy(grpc::ServerContext* context,
                                             const v1::UpdateStudyRequest* request,
                                             v1::Study* response) {
  return Handle(
      context, [&] { return coordinator_->UpdateStudy(request->spec()); }, response);
}

grpc::Status CoordinatorService::DeleteStudy(grpc::ServerContext* context,
                                             const v1::DeleteStudyRequest* request,
                                             v1::DeleteStudyResponse* response) {
  return Handle(
      context,
      [&]() -> absl::StatusOr<v1::DeleteStudyResponse> {
        RETURN_IF_ERROR(coordinator_->DeleteStudy(request->study_name(), request->force()));
        return v1::DeleteStudyResponse();
      },
      response);
}

grpc::Status CoordinatorService::ResumeStudy(grpc::ServerContext* context,
                                             const v1::ResumeStudyRequest* request,
                                             v1::Study* response) {
  return Handle(
      context, [&] { return coordinator_->ResumeStudy(request->study_name()); }, response);
}

grpc::Status CoordinatorService::AcquireTrial(grpc::ServerContext* context,
                                              const v1::AcquireTrialRequest* request,
                                              v1::AcquireTrialResponse* response) {
  return Handle(
      context, [&] { return coordinator_->AcquireTrial(*request); }, response);
}

grpc::Status CoordinatorService::Heartbeat(grpc::ServerContext* context,
                                           const v1::HeartbeatRequest* request,
                                           v1::HeartbeatResponse* response) {
  return Handle(
      context, [&] { return coordinator_->Heartbeat(request->trial()); }, response);
}

grpc::Status CoordinatorService::ReportIntermediate(grpc::ServerContext* context,
                                                    const v1::ReportIntermediateRequest* request,
                                                    v1::ReportIntermediateResponse* response) {
  return Handle(
      context, [&] { return coordinator_->ReportIntermediate(*request); }, response);
}

grpc::Status CoordinatorService::CompleteTrial(grpc::ServerContext* context,
                                               const v1::CompleteTrialRequest* request,
                                               v1::Trial* response) {
  return Handle(
      context, [&] { return coordinator_->CompleteTrial(*request); }, response);
}

grpc::Status CoordinatorService::FailTrial(grpc::ServerContext* context,
                                           const v1::FailTrialRequest* request,
                                           v1::Trial* response) {
  return Handle(
      context, [&] { return coordinator_->FailTrial(*request); }, response);
}

grpc::Status CoordinatorService::Ask(grpc::ServerContext* context, const v1::AskRequest* request,
                                     v1::AskResponse* response) {
  return Handle(
      context, [&] { return coordinator_->Ask(*request); }, response);
}

grpc::Status CoordinatorService::Tell(grpc::ServerContext* context, const v1::TellRequest* request,
                                      v1::Trial* response) {
  return Handle(
      context, [&] { return coordinator_->Tell(*request); }, response);
}

grpc::Status CoordinatorService::EnqueueTrial(grpc::ServerContext* context,
                                              const v1::EnqueueTrialRequest* request,
                                              v1::Trial* response) {
  return Handle(
      context, [&] { return coordinator_->EnqueueTrial(*request); }, response);
}

grpc::Status CoordinatorService::ListTrials(grpc::ServerContext* context,
                                            const v1::ListTrialsRequest* request,
                                            v1::ListTrialsResponse* response) {
  return Handle(
      context, [&] { return coordinator_->ListTrials(*request); }, response);
}

grpc::Status CoordinatorService::GetParamImportances(grpc::ServerContext* context,
                                                     const v1::GetParamImportancesRequest* request,
                                                     v1::GetParamImportancesResponse* response) {
  return Handle(
      context, [&] { return coordinator_->GetParamImportances(request->study_name()); }, response);
}

grpc::Status CoordinatorService::GetBestTrial(grpc::ServerContext* context,
                                              const v1::GetBestTrialRequest* request,
                                              v1::Trial* response) {
  return Handle(
      context, [&] { return coordinator_->GetBestTrial(request->study_name()); }, response);
}

}  // namespace hpo::server
