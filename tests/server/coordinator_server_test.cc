// The coordinator as a server, in-process: options -> serving on loopback,
// the lease reaper on its timer, the port file, shutdown, and the refusals
// of an unsafe listen address.
#include "server/coordinator_server.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/api_limits.h"
#include "common/spec_parser.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "hpo/v1/coordinator.grpc.pb.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace hpo::server {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

ServerOptions Options(const hpo::testing::TempDir& dir, Clock* clock) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.db_path = dir.File("hpo.db");
  options.port_file = dir.File("port");
  options.reclaim_interval_s = 0.05;
  options.clock = clock;
  return options;
}

absl::StatusOr<std::unique_ptr<CoordinatorServer>> Start(const ServerOptions& options) {
  ASSIGN_OR_RETURN(ServerSecurity security, LoadServerSecurity(options));
  return CoordinatorServer::Start(options, std::move(security));
}

// Clients in any language send the spec file's text; the coordinator reads
// it as the CLI reads a file.
TEST(CoordinatorServerTest, CreatesAStudyFromTheTextOfASpecFile) {
  hpo::testing::TempDir dir;
  FakeClock clock;
  absl::StatusOr<std::unique_ptr<CoordinatorServer>> server = Start(Options(dir, &clock));
  ASSERT_OK(server);
  auto stub = v1::Coordinator::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  auto create = [&](const std::string& yaml, const std::string& file, v1::Study* study) {
    v1::CreateStudyRequest request;
    request.set_spec_yaml(yaml);
    request.set_spec_file(file);
    grpc::ClientContext context;
    return stub->CreateStudy(&context, request, study);
  };
  v1::Study study;
  grpc::Status status = create(
      "name: s\nobjective: {metric: f1, direction: maximize}\nparams:\n"
      "  x: {type: int, low: 0, high: 3}\n",
      "mine.yaml", &study);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(study.spec().name(), "s");
  EXPECT_EQ(study.spec().direction(), v1::MAXIMIZE);
  EXPECT_EQ(study.spec().params(0).int_distribution().step(), 1);  // defaults applied

  status = create("name: t\nparams:\n  x: {type: float, low: 2, high: 1}\n", "mine.yaml", &study);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("mine.yaml:3: params.x"));
  status = create("name: t\nparams: [", "", &study);
  EXPECT_THAT(status.error_message(), HasSubstr("spec.yaml:"));
  EXPECT_THAT(status.error_message(), HasSubstr("YAML syntax error"));
  status = create("name: t\n", "bad\nname", &study);
  EXPECT_THAT(status.error_message(), HasSubstr("spec_file: at most 256 bytes"));
  status = create(std::string(kMaxSpecBytes + 1, ' '), "", &study);
  EXPECT_THAT(status.error_message(), HasSubstr("spec_yaml: at most"));

  v1::CreateStudyRequest both;
  both.set_spec_yaml("name: u\n");
  both.mutable_spec()->set_name("u");
  grpc::ClientContext context;
  status = stub->CreateStudy(&context, both, &study);
  EXPECT_THAT(status.error_message(), HasSubstr("give spec or spec_yaml, not both"));
}

TEST(CoordinatorServerTest, ServesWritesItsPortAndReapsExpiredLeases) {
  hpo::testing::TempDir dir;
  FakeClock clock;
  absl::StatusOr<std::unique_ptr<CoordinatorServer>> server = Start(Options(dir, &clock));
  ASSERT_OK(server);
  std::ifstream port_file(dir.File("port"));
  std::string written;
  port_file >> written;
  EXPECT_EQ(written, (*server)->address());

  auto stub = v1::Coordinator::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  v1::CreateStudyRequest create;
  absl::StatusOr<ParsedSpec> spec = ParseStudySpecYaml(
      "name: s\nlease_seconds: 2\nparams:\n  x: {type: float, low: 0, high: 1}\n", "s.yaml");
  ASSERT_OK(spec);
  *create.mutable_spec() = spec->spec;
  v1::Study study;
  grpc::ClientContext create_context;
  ASSERT_TRUE(stub->CreateStudy(&create_context, create, &study).ok());
  v1::AskRequest ask;
  ask.set_study_name("s");
  ask.set_lease(true);
  v1::AskResponse asked;
  grpc::ClientContext ask_context;
  ASSERT_TRUE(stub->Ask(&ask_context, ask, &asked).ok());

  // The lease lapses on the clock; the reaper, on its timer, fails the trial.
  clock.AdvanceMs(2001);
  bool failed = false;
  for (int i = 0; i < 100 && !failed; ++i) {
    std::this_thread::sleep_for(20ms);
    v1::ListTrialsRequest list;
    list.set_study_name("s");
    auto trials = (*server)->coordinator().ListTrials(list);
    ASSERT_OK(trials);
    failed = trials->trials(0).state() == v1::Trial::FAILED;
  }
  EXPECT_TRUE(failed);

  // A second server cannot take the same port.
  ServerOptions same = Options(dir, &clock);
  same.listen = (*server)->address();
  same.db_path = dir.File("other.db");
  EXPECT_THAT(Start(same), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot listen on")));

  const auto before = std::chrono::steady_clock::now();
  (*server)->Shutdown(1s);
  (*server)->Shutdown(1s);  // idempotent
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  grpc::ClientContext after_context;
  after_context.set_deadline(std::chrono::system_clock::now() + 500ms);
  EXPECT_FALSE(stub->GetStudy(&after_context, v1::GetStudyRequest(), &study).ok());
}

TEST(CoordinatorServerTest, RefusesToServeTheNetworkWithoutTlsAndAToken) {
  hpo::testing::TempDir dir;
  ServerOptions options = Options(dir, nullptr);
  options.listen = "0.0.0.0:0";  // never bound: refused before serving
  EXPECT_THAT(LoadServerSecurity(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("only loopback addresses are served without TLS")));
  options.tls_cert = dir.File("cert.pem");
  EXPECT_THAT(LoadServerSecurity(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--tls-cert and --tls-key must be given together"));
}

// The standard health service answers probes, which carry no token, while
// the API itself still refuses calls without it.
TEST(CoordinatorServerTest, HealthServiceAnswersServingWithoutTheToken) {
  hpo::testing::TempDir dir;
  FakeClock clock;
  ServerOptions options = Options(dir, &clock);
  options.token_file = dir.File("token");
  std::ofstream(options.token_file) << "s3cret-token\n";
  absl::StatusOr<std::unique_ptr<CoordinatorServer>> server = Start(options);
  ASSERT_OK(server);
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto check = [&](const std::string& service, grpc::health::v1::HealthCheckResponse* response) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    return health->Check(&context, request, response);
  };
  for (const std::string service : {"", "hpo.v1.Coordinator"}) {
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = check(service, &response);
    ASSERT_TRUE(status.ok()) << "\"" << service << "\": " << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_EQ(check("no.such.Service", &response).error_code(), grpc::StatusCode::NOT_FOUND);

  auto stub = v1::Coordinator::NewStub(channel);
  grpc::ClientContext context;
  v1::ListStudiesResponse studies;
  EXPECT_EQ(stub->ListStudies(&context, v1::ListStudiesRequest(), &studies).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST(CoordinatorServerTest, ADatabaseThatCannotBeOpenedIsAnError) {
  hpo::testing::TempDir dir;
  ServerOptions options = Options(dir, nullptr);
  options.db_path = dir.File("no/such/dir/hpo.db");
  EXPECT_FALSE(Start(options).ok());
}

}  // namespace
}  // namespace hpo::server
