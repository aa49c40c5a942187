// The gRPC face of Coordinator: converts requests to core calls and
// absl::Status to grpc::Status, nothing more. Thread-safe (the core is).
#ifndef HPO_SERVER_COORDINATOR_SERVICE_H_
#define HPO_SERVER_COORDINATOR_SERVICE_H_

#include <string>

#include "hpo/v1/coordinator.grpc.pb.h"
#include "server/coordinator.h"

namespace hpo::server {

// absl and gRPC share their status codes; only the type differs.
grpc::Status ToGrpcStatus(const absl::Status& status);

class CoordinatorService final : public v1::Coordinator::Service {
 public:
  // With a non-empty `token`, every call must carry the metadata
  // "authorization: Bearer <token>" or is answered UNAUTHENTICATED.
  CoordinatorService(Coordinator* coordinator, std::string token)
      : coordinator_(coordinator), token_(std::move(token)) {}

  grpc::Status CreateStudy(grpc::ServerContext*, const v1::CreateStudyRequest* request,
                           v1::Study* response) override;
  grpc::Status GetStudy(grpc::ServerContext*, const v1::GetStudyRequest* request,
                        v1::Study* response) override;
  grpc::Status ListStudies(grpc::ServerContext*, const v1::ListStudiesRequest* request,
                           v1::ListStudiesResponse* response) override;
  grpc::Status StopStudy(grpc::ServerContext*, const v1::StopStudyRequest* request,
                         v1::Study* response) override;
  grpc::Status ResumeStudy(grpc::ServerContext*, const v1::ResumeStudyRequest* request,
                           v1::Study* response) override;
  grpc::Status UpdateStudy(grpc::ServerContext*, const v1::UpdateStudyRequest* request,
                           v1::Study* response) override;
  grpc::Status DeleteStudy(grpc::ServerContext*, const v1::DeleteStudyRequest* request,
                           v1::DeleteStudyResponse* response) override;
  grpc::Status AcquireTrial(grpc::ServerContext*, const v1::AcquireTrialRequest* request,
                            v1::AcquireTrialResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext*, const v1::HeartbeatRequest* request,
                         v1::HeartbeatResponse* response) override;
  grpc::Status ReportIntermediate(grpc::ServerContext*,
                                  const v1::ReportIntermediateRequest* request,
                                  v1::ReportIntermediateResponse* response) override;
  grpc::Status CompleteTrial(grpc::ServerContext*, const v1::CompleteTrialRequest* request,
                             v1::Trial* response) override;
  grpc::Status FailTrial(grpc::ServerContext*, const v1::FailTrialRequest* request,
                         v1::Trial* response) override;
  grpc::Status Ask(grpc::ServerContext*, const v1::AskRequest* request,
                   v1::AskResponse* response) override;
  grpc::Status Tell(grpc::ServerContext*, const v1::TellRequest* request,
                    v1::Trial* response) override;
  grpc::Status EnqueueTrial(grpc::ServerContext*, const v1::EnqueueTrialRequest* request,
                            v1::Trial* response) override;
  grpc::Status ListTrials(grpc::ServerContext*, const v1::ListTrialsRequest* request,
                          v1::ListTrialsResponse* response) override;
  grpc::Status GetParamImportances(grpc::ServerContext*,
                                   const v1::GetParamImportancesRequest* request,
                                   v1::GetParamImportancesResponse* response) override;
  grpc::Status GetBestTrial(grpc::ServerContext*, const v1::GetBestTrialRequest* request,
                            v1::Trial* response) override;

 private:
  // Checks the caller's token, then runs `call` and copies its result.
  template <typename Response, typename Call>
  grpc::Status Handle(grpc::ServerContext* context, Call call, Response* response);

  Coordinator* coordinator_;  // not owned
  const std::string token_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_COORDINATOR_SERVICE_H_
