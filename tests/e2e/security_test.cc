// The coordinator's door: bearer tokens, TLS, and refusing to serve the
// network without them. Real processes on loopback.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <fstream>
#include <iterator>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hpo/v1/coordinator.grpc.pb.h"
#include "tests/e2e/local_cluster.h"
#include "tests/status_matchers.h"

namespace hpo::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr char kSpec[] = R"yaml(
name: secured
max_trials: 2
params:
  lr: {type: float, low: 1.0e-2, high: 1.0e-1, log: true}
task:
  dataset: {name: synthetic-regression}
  model: {type: linear}
  epochs: 2
)yaml";

// Calls every RPC of the API with `token` (none if empty) and returns the
// status codes.
std::vector<grpc::StatusCode> CallEveryRpc(const std::string& address, const std::string& token) {
  auto stub = v1::Coordinator::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  std::vector<grpc::StatusCode> codes;
  auto call = [&](auto method, const auto& request, auto* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    codes.push_back(((*stub).*method)(&context, request, response).error_code());
  };
  v1::Study study;
  v1::Trial trial;
  v1::CreateStudyRequest create;
  create.mutable_spec()->set_name("x");
  call(&v1::Coordinator::Stub::CreateStudy, create, &study);
  call(&v1::Coordinator::Stub::GetStudy, v1::GetStudyRequest(), &study);
  v1::ListStudiesResponse studies;
  call(&v1::Coordinator::Stub::ListStudies, v1::ListStudiesRequest(), &studies);
  call(&v1::Coordinator::Stub::StopStudy, v1::StopStudyRequest(), &study);
  call(&v1::Coordinator::Stub::ResumeStudy, v1::ResumeStudyRequest(), &study);
  v1::AcquireTrialRequest acquire;
  acquire.set_worker_id("w");
  v1::AcquireTrialResponse acquired;
  call(&v1::Coordinator::Stub::AcquireTrial, acquire, &acquired);
  v1::HeartbeatResponse heartbeat;
  call(&v1::Coordinator::Stub::Heartbeat, v1::HeartbeatRequest(), &heartbeat);
  v1::ReportIntermediateResponse report;
  call(&v1::Coordinator::Stub::ReportIntermediate, v1::ReportIntermediateRequest(), &report);
  call(&v1::Coordinator::Stub::CompleteTrial, v1::CompleteTrialRequest(), &trial);
  call(&v1::Coordinator::Stub::FailTrial, v1::FailTrialRequest(), &trial);
  v1::AskResponse asked;
  call(&v1::Coordinator::Stub::Ask, v1::AskRequest(), &asked);
  call(&v1::Coordinator::Stub::Tell, v1::TellRequest(), &trial);
  v1::ListTrialsResponse trials;
  call(&v1::Coordinator::Stub::ListTrials, v1::ListTrialsRequest(), &trials);
  call(&v1::Coordinator::Stub::GetBestTrial, v1::GetBestTrialRequest(), &trial);
  return codes;
}

TEST(SecurityTest, WithATokenConfiguredEveryRpcWithoutItIsUnauthenticated) {
  LocalCluster cluster;
  const std::string token_file = cluster.WriteFile("token", "s3cret-token\n");
  cluster.set_connection("s3cret-token", nullptr);
  ASSERT_OK(cluster.StartCoordinator(0, {"--token-file", token_file}));

  const std::vector<grpc::StatusCode> none = CallEveryRpc(cluster.address(), "");
  ASSERT_EQ(none.size(), 14u);  // every method of hpo.v1.Coordinator
  for (size_t i = 0; i < none.size(); ++i) {
    EXPECT_EQ(none[i], grpc::StatusCode::UNAUTHENTICATED) << "rpc #" << i;
  }
  for (grpc::StatusCode code : CallEveryRpc(cluster.address(), "s3cret-tokeN")) {
    EXPECT_EQ(code, grpc::StatusCode::UNAUTHENTICATED);
  }
  // With the token the calls reach the coordinator (and fail on their merits).
  for (grpc::StatusCode code : CallEveryRpc(cluster.address(), "s3cret-token")) {
    EXPECT_NE(code, grpc::StatusCode::UNAUTHENTICATED);
  }

  // The CLI and a worker with the token run a study; the CLI without it is told why.
  const std::string spec = cluster.WriteFile("spec.yaml", kSpec);
  CommandResult refused = cluster.Cli({"study", "create", "--spec", spec});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("bearer token"));
  CommandResult created = cluster.Cli({"study", "create", "--spec", spec, "--token-file", token_file});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_OK(cluster.StartWorker("w1", {"--token-file", token_file}));
  ASSERT_OK(cluster.WaitForStudy("secured", 60s));
}

// deploy/make-certs.sh into the cluster's directory, for 127.0.0.1.
CommandResult MakeCerts(LocalCluster& cluster, const std::string& flags) {
  return cluster.Shell(absl::StrCat(HPO_SOURCE_DIR, "/deploy/make-certs.sh --out . --days 2 ",
                                    flags, " 127.0.0.1 localhost"));
}

TEST(SecurityTest, TlsWithAToken) {
  LocalCluster cluster;
  // A CA and a certificate for 127.0.0.1, as a user makes them.
  CommandResult certs = MakeCerts(cluster, "");
  ASSERT_EQ(certs.exit_code, 0) << certs.err;
  const std::string token_file = cluster.File("token");
  std::ifstream token_in(token_file);
  std::string token;
  token_in >> token;
  EXPECT_EQ(token.size(), 64u) << "a random 256-bit token";
  grpc::SslCredentialsOptions ssl;
  std::ifstream ca(cluster.File("ca.pem"));
  ssl.pem_root_certs.assign(std::istreambuf_iterator<char>(ca), {});
  cluster.set_connection(token, grpc::SslCredentials(ssl));
  ASSERT_OK(
      cluster.StartCoordinator(0, {"--tls-cert", cluster.File("server.pem"), "--tls-key",
                                   cluster.File("server.key"), "--token-file", token_file, "--http",
                                   "127.0.0.1:0", "--http-port-file", cluster.File("http-port")}));
  ASSERT_OK(cluster.client().ListStudies());

  CommandResult with_tls =
      cluster.Cli({"study", "list", "--tls-ca", cluster.File("ca.pem"), "--token-file", token_file});
  EXPECT_EQ(with_tls.exit_code, 0) << with_tls.err;
  CommandResult plaintext = cluster.Cli({"study", "list", "--token-file", token_file});
  EXPECT_EQ(plaintext.exit_code, 1);
  EXPECT_THAT(plaintext.err, HasSubstr("serves TLS: give --tls-ca"));
  EXPECT_THAT(plaintext.err, Not(HasSubstr("Handshake failed"))) << "no gRPC log noise";

  // The health service, as a Kubernetes exec probe asks it: no token needed.
  CommandResult healthy = cluster.Cli({"health", "--tls-ca", cluster.File("ca.pem")});
  EXPECT_EQ(healthy.exit_code, 0) << healthy.err;
  EXPECT_EQ(healthy.out, "SERVING\n");
  CommandResult unknown =
      cluster.Cli({"health", "--tls-ca", cluster.File("ca.pem"), "--service", "no.such.Service"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("health check of"));

  // /metrics over HTTPS with the same certificate, and only with the token.
  std::string http_address;
  std::ifstream(cluster.File("http-port")) >> http_address;
  ASSERT_FALSE(http_address.empty());
  httplib::SSLClient https(http_address.substr(0, http_address.rfind(':')),
                           std::stoi(http_address.substr(http_address.rfind(':') + 1)));
  https.set_ca_cert_path(cluster.File("ca.pem").c_str());
  https.enable_server_certificate_verification(true);
  httplib::Result anonymous = https.Get("/metrics");
  ASSERT_TRUE(anonymous) << httplib::to_string(anonymous.error());
  EXPECT_EQ(anonymous->status, 401);
  httplib::Result scraped = https.Get("/metrics", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(scraped) << httplib::to_string(scraped.error());
  EXPECT_EQ(scraped->status, 200);
  EXPECT_THAT(scraped->body, HasSubstr("# TYPE hpo_trials gauge"));
  httplib::Client clear("http://" + http_address);
  httplib::Result plain = clear.Get("/metrics");
  EXPECT_TRUE(!plain || plain->status != 200) << "no plaintext answer from the TLS port";
}

TEST(SecurityTest, MutualTlsRequiresAClientCertificateFromTheCa) {
  LocalCluster cluster;
  CommandResult certs = MakeCerts(cluster, "--client w1");
  ASSERT_EQ(certs.exit_code, 0) << certs.err;
  grpc::SslCredentialsOptions ssl;
  std::ifstream ca(cluster.File("ca.pem"));
  ssl.pem_root_certs.assign(std::istreambuf_iterator<char>(ca), {});
  std::ifstream cert(cluster.File("client-w1.pem"));
  ssl.pem_cert_chain.assign(std::istreambuf_iterator<char>(cert), {});
  std::ifstream key(cluster.File("client-w1.key"));
  ssl.pem_private_key.assign(std::istreambuf_iterator<char>(key), {});
  cluster.set_connection("", grpc::SslCredentials(ssl));
  ASSERT_OK(cluster.StartCoordinator(0, {"--tls-cert", cluster.File("server.pem"), "--tls-key",
                                         cluster.File("server.key"), "--tls-client-ca",
                                         cluster.File("ca.pem")}));
  ASSERT_OK(cluster.client().ListStudies());

  CommandResult with_cert =
      cluster.Cli({"study", "list", "--tls-ca", cluster.File("ca.pem"), "--tls-cert",
                   cluster.File("client-w1.pem"), "--tls-key", cluster.File("client-w1.key")});
  EXPECT_EQ(with_cert.exit_code, 0) << with_cert.err;
  CommandResult without_cert = cluster.Cli({"study", "list", "--tls-ca", cluster.File("ca.pem")});
  EXPECT_EQ(without_cert.exit_code, 1);
  EXPECT_THAT(without_cert.err, HasSubstr("cannot reach the coordinator"));
}

TEST(SecurityTest, ServingTheNetworkNeedsTlsAndAToken) {
  LocalCluster cluster;
  // Refused before anything is bound.
  CommandResult refused = cluster.Shell(absl::StrCat(
      std::getenv("HPO_BUILD_DIR") != nullptr ? std::getenv("HPO_BUILD_DIR") : ".",
      "/server/hpo-coordinator --listen 0.0.0.0:0 --db ", cluster.db_path()));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("only loopback addresses are served without TLS and a token"));
}

}  // namespace
}  // namespace hpo::testing
