#include "server/coordinator_service.h"

namespace hpo::server {
namespace {

// Copies a core result into the response, or converts its error.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

grpc::Status CoordinatorService::CreateStudy(grpc::ServerContext*,
                                             const v1::CreateStudyRequest* request,
                                             v1::Study* response) {
  return Reply(coordinator_->CreateStudy(request->spec(), request->load_if_exists()), response);
}

grpc::Status CoordinatorService::GetStudy(grpc::ServerContext*,
                                          const v1::GetStudyRequest* request,
                                          v1::Study* response) {
  return Reply(coordinator_->GetStudy(request->study_name()), response);
}

grpc::Status CoordinatorService::ListStudies(grpc::ServerContext*, const v1::ListStudiesRequest*,
                                             v1::ListStudiesResponse* response) {
  for (v1::Study& study : coordinator_->ListStudies()) *response->add_studies() = std::move(study);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::StopStudy(grpc::ServerContext*,
                                           const v1::StopStudyRequest* request,
                                           v1::Study* response) {
  return Reply(coordinator_->StopStudy(request->study_name()), response);
}

grpc::Status CoordinatorService::AcquireTrial(grpc::ServerContext*,
                                              const v1::AcquireTrialRequest* request,
                                              v1::AcquireTrialResponse* response) {
  return Reply(coordinator_->AcquireTrial(*request), response);
}

grpc::Status CoordinatorService::Heartbeat(grpc::ServerContext*,
                                           const v1::HeartbeatRequest* request,
                                           v1::HeartbeatResponse* response) {
  return Reply(coordinator_->Heartbeat(request->trial()), response);
}

grpc::Status CoordinatorService::ReportIntermediate(grpc::ServerContext*,
                                                    const v1::ReportIntermediateRequest* request,
                                                    v1::ReportIntermediateResponse* response) {
  return Reply(coordinator_->ReportIntermediate(*request), response);
}

grpc::Status CoordinatorService::CompleteTrial(grpc::ServerContext*,
                                               const v1::CompleteTrialRequest* request,
                                               v1::Trial* response) {
  return Reply(coordinator_->CompleteTrial(*request), response);
}

grpc::Status CoordinatorService::FailTrial(grpc::ServerContext*,
                                           const v1::FailTrialRequest* request,
                                           v1::Trial* response) {
  return Reply(coordinator_->FailTrial(*request), response);
}

grpc::Status CoordinatorService::Ask(grpc::ServerContext*, const v1::AskRequest* request,
                                     v1::Trial* response) {
  return Reply(coordinator_->Ask(request->study_name()), response);
}

grpc::Status CoordinatorService::Tell(grpc::ServerContext*, const v1::TellRequest* request,
                                      v1::Trial* response) {
  return Reply(coordinator_->Tell(*request), response);
}

grpc::Status CoordinatorService::ListTrials(grpc::ServerContext*,
                                            const v1::ListTrialsRequest* request,
                                            v1::ListTrialsResponse* response) {
  return Reply(coordinator_->ListTrials(*request), response);
}

grpc::Status CoordinatorService::GetBestTrial(grpc::ServerContext*,
                                              const v1::GetBestTrialRequest* request,
                                              v1::Trial* response) {
  return Reply(coordinator_->GetBestTrial(request->study_name()), response);
}

}  // namespace hpo::server
