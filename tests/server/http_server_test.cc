// The coordinator's HTTP side, in-process: /metrics as Prometheus text after
// real calls, the bearer token, and the refusal to serve the network in the
// clear. TLS is covered end to end in tests/e2e/security_test.cc.
#include "server/http/http_server.h"

#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/coordinator_server.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace hpo::server {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

ServerOptions Options(const hpo::testing::TempDir& dir) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.http_listen = "127.0.0.1:0";
  options.db_path = dir.File("hpo.db");
  return options;
}

absl::StatusOr<std::unique_ptr<CoordinatorServer>> Start(const ServerOptions& options) {
  absl::StatusOr<ServerSecurity> security = LoadServerSecurity(options);
  if (!security.ok()) return security.status();
  return CoordinatorServer::Start(options, *std::move(security));
}

httplib::Client ClientOf(const CoordinatorServer& server) {
  return httplib::Client("http://" + server.http_address());
}

TEST(HttpServerTest, MetricsCountTheTrialsAndCallsOfARunningStudy) {
  hpo::testing::TempDir dir;
  ServerOptions options = Options(dir);
  options.http_port_file = dir.File("http-port");
  absl::StatusOr<std::unique_ptr<CoordinatorServer>> server = Start(options);
  ASSERT_OK(server);
  std::string written;
  std::ifstream(dir.File("http-port")) >> written;
  EXPECT_EQ(written, (*server)->http_address());

  Coordinator& coordinator = (*server)->coordinator();
  absl::StatusOr<ParsedSpec> spec =
      ParseStudySpecYaml("name: s\nparams:\n  x: {type: float, low: 0, high: 1}\n", "s.yaml");
  ASSERT_OK(spec);
  ASSERT_OK(coordinator.CreateStudy(spec->spec, false));
  v1::AskRequest ask;
  ask.set_study_name("s");
  absl::StatusOr<v1::AskResponse> first = coordinator.Ask(ask);
  ASSERT_OK(first);
  v1::TellRequest tell;
  tell.set_study_name("s");
  tell.set_trial_number(first->trial().number());
  tell.set_state(v1::Trial::COMPLETE);
  tell.set_value(0.25);
  ASSERT_OK(coordinator.Tell(tell));
  ASSERT_OK(coordinator.Ask(ask));
  v1::AcquireTrialRequest acquire;
  acquire.set_worker_id("w1");
  ASSERT_OK(coordinator.AcquireTrial(acquire));  // the study has no task: nothing to hand out

  httplib::Client client = ClientOf(**server);
  httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_THAT(result->get_header_value("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  const std::string& body = result->body;
  EXPECT_THAT(body, HasSubstr("hpo_trials{study=\"s\",state=\"COMPLETE\"} 1\n"));
  EXPECT_THAT(body, HasSubstr("hpo_trials{study=\"s\",state=\"RUNNING\"} 1\n"));
  EXPECT_THAT(body, HasSubstr("hpo_trials{study=\"s\",state=\"FAILED\"} 0\n"));
  EXPECT_THAT(body, HasSubstr("hpo_studies{state=\"RUNNING\"} 1\n"));
  EXPECT_THAT(body, HasSubstr("hpo_study_best_value{study=\"s\"} 0.25\n"));
  EXPECT_THAT(body, HasSubstr("hpo_asks_total 2\n"));
  EXPECT_THAT(body, HasSubstr("hpo_acquires_total{result=\"none\"} 1\n"));
  EXPECT_THAT(body, HasSubstr("hpo_acquires_total{result=\"trial\"} 0\n"));
  EXPECT_THAT(body, HasSubstr("hpo_sampler_duration_seconds_count 2\n"));
  EXPECT_THAT(body, HasSubstr("# TYPE hpo_commit_duration_seconds histogram\n"));
  EXPECT_THAT(body, Not(HasSubstr("hpo_commit_duration_seconds_count 0\n")));

  EXPECT_EQ(client.Get("/no-such-page")->status, 404);
  EXPECT_EQ(client.Post("/metrics", "x", "text/plain")->status, 404) << "read-only";
  const std::string address = (*server)->http_address();
  (*server)->Shutdown(std::chrono::milliseconds(0));
  EXPECT_FALSE(httplib::Client("http://" + address).Get("/metrics")) << "stopped serving";
}

TEST(HttpServerTest, WithATokenRefusesRequestsWithoutIt) {
  hpo::testing::TempDir dir;
  ServerOptions options = Options(dir);
  options.token_file = dir.File("token");
  std::ofstream(options.token_file) << "s3cret-token\n";
  std::filesystem::permissions(options.token_file, std::filesystem::perms::owner_read);
  absl::StatusOr<std::unique_ptr<CoordinatorServer>> server = Start(options);
  ASSERT_OK(server);
  httplib::Client client = ClientOf(**server);

  httplib::Result none = client.Get("/metrics");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_THAT(none->get_header_value("WWW-Authenticate"), HasSubstr("Bearer"));
  EXPECT_THAT(none->body, Not(HasSubstr("hpo_")));
  EXPECT_EQ(client.Get("/metrics", {{"Authorization", "Bearer s3cret-tokeX"}})->status, 401);
  EXPECT_EQ(client.Get("/metrics", {{"Authorization", "s3cret-token"}})->status, 401);
  EXPECT_EQ(client.Get("/api/studies")->status, 401);
  EXPECT_EQ(client.Get("/api/studies/s/trials")->status, 401);
  EXPECT_EQ(client.Get("/api/no-such-route")->status, 401) << "nothing is told without the token";
  // The page's own files hold no data: the page asks for the token itself.
  EXPECT_EQ(client.Get("/")->status, 200);
  EXPECT_EQ(client.Get("/app.js")->status, 200);
  EXPECT_EQ(client.Get("/api/studies", {{"Authorization", "Bearer s3cret-token"}})->status, 200);
  httplib::Result right = client.Get("/metrics", {{"Authorization", "Bearer s3cret-token"}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  EXPECT_THAT(right->body, HasSubstr("hpo_asks_total 0\n"));
}

TEST(HttpServerTest, RefusesToServeTheNetworkWithoutTlsAndAToken) {
  hpo::testing::TempDir dir;
  ServerOptions options = Options(dir);
  options.http_listen = "0.0.0.0:0";  // never bound: refused before serving
  EXPECT_THAT(LoadServerSecurity(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("--http 0.0.0.0:0: only loopback addresses are served")));
}

TEST(HttpServerTest, ABadOrTakenAddressIsAnError) {
  hpo::testing::TempDir dir;
  ServerOptions options = Options(dir);
  absl::StatusOr<std::unique_ptr<CoordinatorServer>> first = Start(options);
  ASSERT_OK(first);
  ServerOptions same = Options(dir);
  same.db_path = dir.File("other.db");
  same.http_listen = (*first)->http_address();
  EXPECT_THAT(Start(same), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("--http")));
  same.http_listen = "127.0.0.1";
  EXPECT_THAT(Start(same),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected HOST:PORT")));
}

TEST(HttpServerTest, ServesIpv6Loopback) {
  hpo::testing::TempDir dir;
  ServerOptions options = Options(dir);
  options.http_listen = "[::1]:0";
  absl::StatusOr<std::unique_ptr<CoordinatorServer>> server = Start(options);
  ASSERT_OK(server);
  EXPECT_THAT((*server)->http_address(), ::testing::StartsWith("[::1]:"));
  httplib::Result result = ClientOf(**server).Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

}  // namespace
}  // namespace hpo::server
