// The client's retry policy against a real coordinator on loopback: what is
// retried, for how long, and that a coordinator that comes back is found.
#include "common/coordinator_client.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/coordinator_server.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace hpo {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::unique_ptr<server::CoordinatorServer> StartServer(const hpo::testing::TempDir& dir,
                                                       const std::string& listen) {
  server::ServerOptions options;
  options.listen = listen;
  options.db_path = dir.File("hpo.db");
  auto security = server::LoadServerSecurity(options);
  EXPECT_OK(security);
  auto started = server::CoordinatorServer::Start(options, *std::move(security));
  EXPECT_OK(started);
  return started.ok() ? *std::move(started) : nullptr;
}

// An address where a coordinator served a moment ago and nothing listens now.
std::string FreedAddress(const hpo::testing::TempDir& dir) {
  std::unique_ptr<server::CoordinatorServer> server = StartServer(dir, "127.0.0.1:0");
  std::string address = server->address();
  server->Shutdown(0ms);
  return address;
}

struct Counted {
  RetryPolicy policy;
  std::shared_ptr<std::atomic<int>> retries = std::make_shared<std::atomic<int>>(0);
};

Counted CountingPolicy(std::chrono::milliseconds retry_for) {
  Counted counted;
  counted.policy.rpc_timeout = 2s;
  counted.policy.retry_for = retry_for;
  counted.policy.on_retry = [retries = counted.retries](const absl::Status&,
                                                        std::chrono::milliseconds) { ++*retries; };
  return counted;
}

TEST(CoordinatorClientTest, WithoutRetriesAnUnreachableCoordinatorFailsAtOnceNamingTheAddress) {
  hpo::testing::TempDir dir;
  const std::string address = FreedAddress(dir);
  Counted counted = CountingPolicy(0ms);
  CoordinatorClient client(Connection{address, "", grpc::InsecureChannelCredentials()},
                           counted.policy);
  const auto start = Clock::now();
  absl::StatusOr<v1::Study> study = client.GetStudy("s");
  EXPECT_THAT(study.status(), StatusIs(absl::StatusCode::kUnavailable,
                                       HasSubstr("cannot reach the coordinator at " + address)));
  EXPECT_TRUE(IsNoAnswer(study.status()));
  EXPECT_EQ(*counted.retries, 0);
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST(CoordinatorClientTest, RetriesAnUnreachableCoordinatorForRetryForThenGivesUp) {
  hpo::testing::TempDir dir;
  const std::string address = FreedAddress(dir);
  Counted counted = CountingPolicy(1000ms);
  CoordinatorClient client(Connection{address, "", grpc::InsecureChannelCredentials()},
                           counted.policy);
  const auto start = Clock::now();
  EXPECT_THAT(client.GetStudy("s").status(),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 1000ms);
  EXPECT_LT(elapsed, 4s);
  // Waits of 200, 400 and 800 ms fit in the second (not a busy loop).
  EXPECT_GE(*counted.retries, 2);
  EXPECT_LE(*counted.retries, 4);
}

TEST(CoordinatorClientTest, FindsACoordinatorThatComesBackWhileRetrying) {
  hpo::testing::TempDir dir;
  const std::string address = FreedAddress(dir);
  std::unique_ptr<server::CoordinatorServer> restarted;
  std::thread restart([&] {
    std::this_thread::sleep_for(700ms);
    restarted = StartServer(dir, address);
  });
  Counted counted = CountingPolicy(kRetryForever);
  CoordinatorClient client(Connection{address, "", grpc::InsecureChannelCredentials()},
                           counted.policy);
  const auto start = Clock::now();
  // The coordinator's own answer (no such study) ends the retrying.
  EXPECT_THAT(client.GetStudy("missing").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("does not exist")));
  const auto elapsed = Clock::now() - start;
  restart.join();
  EXPECT_GE(*counted.retries, 1);
  // Found within about a second of its return (waits are at most 1 s apart).
  EXPECT_LT(elapsed, 700ms + 2500ms);
}

TEST(CoordinatorClientTest, StopEndsTheRetrying) {
  hpo::testing::TempDir dir;
  const std::string address = FreedAddress(dir);
  std::atomic<bool> stop{false};
  Counted counted = CountingPolicy(kRetryForever);
  counted.policy.stop = &stop;
  CoordinatorClient client(Connection{address, "", grpc::InsecureChannelCredentials()},
                           counted.policy);
  std::thread stopper([&] {
    std::this_thread::sleep_for(500ms);
    stop = true;
  });
  const auto start = Clock::now();
  EXPECT_THAT(client.GetStudy("s").status(),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_LT(Clock::now() - start, 3s);
  stopper.join();
}

TEST(CoordinatorClientTest, TheCoordinatorsOwnErrorsAreNotRetried) {
  hpo::testing::TempDir dir;
  std::unique_ptr<server::CoordinatorServer> server = StartServer(dir, "127.0.0.1:0");
  Counted counted = CountingPolicy(kRetryForever);
  CoordinatorClient client(Connection{server->address(), "", grpc::InsecureChannelCredentials()},
                           counted.policy);
  v1::StudySpec bad;
  bad.set_name("bad");  // no params
  EXPECT_THAT(client.CreateStudy(bad, false).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_EQ(*counted.retries, 0);
}

}  // namespace
}  // namespace hpo
