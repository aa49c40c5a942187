// Storage faults that SQLite itself reports, with a real coordinator process
// and a real database file: a write that fails because the file reached its
// size limit (EFBIG, as on a full disk), a database file the coordinator may
// read but not write, and a writable file in a directory it cannot write.
// Each gives a clear error, nothing acknowledged is lost, no change is half
// written, and the file stays intact.
//
// Root may write any file, so as root the coordinator of the permission tests
// runs as `nobody`; as another user the file mode alone holds it back.
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "absl/cleanup/cleanup.h"
#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "hpo/v1/coordinator.grpc.pb.h"
#include "tests/e2e/local_cluster.h"
#include "tests/status_matchers.h"

namespace hpo::testing {
namespace {

namespace fs = std::filesystem;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr char kSpec[] = R"yaml(
name: full
sampler: {type: random, seed: 5}
max_trials: 0
params:
  x: {type: float, low: -10, high: 10}
  n: {type: int, low: 1, high: 64, log: true}
  kind: {type: categorical, choices: [a, b, c]}
)yaml";
constexpr int kParams = 3;

// Room for the schema, the study and a few trials in the write-ahead log.
constexpr int64_t kFileSizeLimit = 192 << 10;

v1::StudySpec Spec() {
  auto parsed = ParseStudySpecYaml(kSpec, "spec.yaml");
  EXPECT_OK(parsed);
  return parsed->spec;
}

// The calls whose status the test checks go through a plain stub, so the
// coordinator's own answer is seen, not the client library's wording of it.
std::unique_ptr<v1::Coordinator::Stub> Stub(const LocalCluster& cluster) {
  return v1::Coordinator::NewStub(
      grpc::CreateChannel(cluster.address(), grpc::InsecureChannelCredentials()));
}

grpc::Status Ask(v1::Coordinator::Stub& stub, v1::Trial* trial) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  v1::AskRequest request;
  request.set_study_name("full");
  v1::AskResponse response;
  grpc::Status status = stub.Ask(&context, request, &response);
  *trial = response.trial();
  return status;
}

grpc::Status Tell(v1::Coordinator::Stub& stub, int64_t number, double value, v1::Trial* trial) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  v1::TellRequest request;
  request.set_study_name("full");
  request.set_trial_number(number);
  request.set_value(value);
  (*request.mutable_user_attrs())["loss"] = value / 2;
  return stub.Tell(&context, request, trial);
}

// The study's trials as the coordinator lists them are exactly `expected`.
void ExpectTrialsAre(LocalCluster& cluster, const std::map<int64_t, v1::Trial>& expected) {
  auto trials = cluster.client().ListTrials("full");
  ASSERT_OK(trials);
  ASSERT_EQ(trials->size(), expected.size());
  for (const v1::Trial& trial : *trials) {
    auto it = expected.find(trial.number());
    ASSERT_NE(it, expected.end()) << "unexpected trial " << trial.DebugString();
    EXPECT_TRUE(MessageDifferencer::Equals(trial, it->second))
        << "listed: " << trial.DebugString() << "acknowledged: " << it->second.DebugString();
  }
}

// The first column of every row `sql` returns, one per line; or the error.
std::string Query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string result;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    result = std::string("cannot open: ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return result;
  }
  char* error = nullptr;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int, char** values, char**) {
        std::string& text = *static_cast<std::string*>(out);
        if (!text.empty()) text += "\n";
        text += values[0] != nullptr ? values[0] : "NULL";
        return 0;
      },
      &result, &error);
  if (error != nullptr) result = std::string("error: ") + error;
  sqlite3_free(error);
  sqlite3_close(db);
  return result;
}

TEST(StorageFaultE2eTest, WriteFailingAtTheFileSizeLimitIsUnavailableAndLosesNothing) {
  LocalCluster cluster;
  cluster.set_coordinator_file_size_limit(kFileSizeLimit);
  ASSERT_OK(cluster.StartCoordinator());
  ASSERT_OK(cluster.client().CreateStudy(Spec(), /*load_if_exists=*/false));
  std::unique_ptr<v1::Coordinator::Stub> stub = Stub(cluster);

  // Ask and tell until a write no longer fits.
  std::map<int64_t, v1::Trial> acknowledged;
  grpc::Status fault;
  std::string failed_call;
  for (int i = 0; i < 1000 && fault.ok(); ++i) {
    v1::Trial asked;
    fault = Ask(*stub, &asked);
    failed_call = "Ask";
    if (!fault.ok()) break;
    acknowledged[asked.number()] = asked;
    v1::Trial told;
    fault = Tell(*stub, asked.number(), 0.25 * i, &told);
    failed_call = "Tell";
    if (fault.ok()) acknowledged[told.number()] = told;
  }
  ASSERT_FALSE(fault.ok()) << "every write fitted under " << kFileSizeLimit << " bytes";
  EXPECT_EQ(fault.error_code(), grpc::StatusCode::UNAVAILABLE) << fault.error_message();
  // SQLite calls EFBIG "disk I/O error"; the message also says why.
  EXPECT_THAT(fault.error_message(), HasSubstr("disk I/O error (File too large)"));
  EXPECT_GE(acknowledged.size(), 2u) << "the limit left no room for trials";

  // Still serving, from the state as acknowledged; while the file is at its
  // limit, a write fails the same way and changes nothing.
  ExpectTrialsAre(cluster, acknowledged);
  v1::Trial ignored;
  grpc::Status again = Ask(*stub, &ignored);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::UNAVAILABLE) << again.error_message();
  // The CLI says what happened: the coordinator answered, its write failed.
  CommandResult cli = cluster.Cli({"ask", "full"});
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_THAT(cli.err, HasSubstr("the database write failed, nothing was changed"));
  EXPECT_THAT(cli.err, Not(HasSubstr("cannot reach")));
  ExpectTrialsAre(cluster, acknowledged);
  auto study = cluster.client().GetStudy("full");
  ASSERT_OK(study);
  int64_t counted = 0;
  for (const auto& [state, count] : study->trial_counts()) counted += count;
  EXPECT_EQ(counted, static_cast<int64_t>(acknowledged.size())) << study->DebugString();

  // Restarted without the limit, on the same file: everything acknowledged is
  // there as it was, and the failed change left nothing behind, so the next
  // trial takes the next number.
  cluster.StopCoordinator();
  cluster.set_coordinator_file_size_limit(std::nullopt);
  ASSERT_OK(cluster.StartCoordinator());
  ExpectTrialsAre(cluster, acknowledged);
  auto asked_next = cluster.client().Ask("full", /*lease=*/false);
  ASSERT_OK(asked_next);
  const v1::Trial* next = &asked_next->trial();
  EXPECT_EQ(next->number(), static_cast<int64_t>(acknowledged.size()));
  v1::TellRequest tell;
  tell.set_study_name("full");
  tell.set_trial_number(next->number());
  tell.set_value(1.0);
  EXPECT_OK(cluster.client().Tell(tell));
  cluster.StopCoordinator();

  const std::string db = cluster.db_path();
  EXPECT_EQ(Query(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(Query(db, "SELECT count(*) FROM trials"), std::to_string(acknowledged.size() + 1));
  // No trial row without all its params.
  EXPECT_EQ(Query(db,
                  "SELECT count(*) FROM trials t WHERE (SELECT count(*) FROM trial_params p "
                  "WHERE p.trial_id = t.trial_id) != " +
                      std::to_string(kParams)),
            "0");
  std::cout << "storage fault: " << acknowledged.size() << " trials acknowledged under "
            << kFileSizeLimit << " bytes; then " << failed_call << " answered "
            << fault.error_message() << "\n";
}

// --- Database files the coordinator may not write ---

// The user the coordinator runs as in the permission tests (see the top).
std::optional<User> Unprivileged() {
  if (geteuid() == 0) return User{65534, 65534};
  return std::nullopt;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A coordinator, stopped after storing a study with two finished trials,
// whose database then moves to DIR/data/hpo.db. Returns the trials.
std::map<int64_t, v1::Trial> MakeDatabase(LocalCluster& cluster) {
  std::map<int64_t, v1::Trial> trials;
  EXPECT_OK(cluster.StartCoordinator());
  EXPECT_OK(cluster.client().CreateStudy(Spec(), /*load_if_exists=*/false));
  for (int i = 0; i < 2; ++i) {
    auto response = cluster.client().Ask("full", /*lease=*/false);
    EXPECT_OK(response);
    const v1::Trial* asked = &response->trial();
    v1::TellRequest tell;
    tell.set_study_name("full");
    tell.set_trial_number(asked->number());
    tell.set_value(i + 0.5);
    auto told = cluster.client().Tell(tell);
    EXPECT_OK(told);
    trials[told->number()] = *told;
  }
  cluster.StopCoordinator();
  // A cleanly stopped coordinator leaves a single file, with no -wal or -shm.
  EXPECT_EQ(DirEntries(cluster.dir()),
            std::vector<std::string>({"coordinator.address", "coordinator.log", "hpo.db"}));
  fs::create_directory(cluster.File("data"));
  fs::rename(cluster.db_path(), cluster.File("data/hpo.db"));
  return trials;
}

// The coordinator binary, where `user` may run it: a copy in the temp dir
// when that is another user, as the build tree may be private.
std::string CoordinatorFor(LocalCluster& cluster, const std::optional<User>& user) {
  if (!user.has_value()) return cluster.Binary("server/hpo-coordinator");
  const std::string copy = cluster.File("hpo-coordinator");
  fs::copy_file(cluster.Binary("server/hpo-coordinator"), copy);
  chmod(copy.c_str(), 0755);
  chmod(cluster.dir().c_str(), 0711);
  return copy;
}

// Whether `user` may read and write `path`, as `test -r` / `test -w` say.
bool Can(LocalCluster& cluster, const std::optional<User>& user, const std::string& flag,
         const std::string& path) {
  CommandResult result = cluster.RunAs({"/usr/bin/test", flag, path}, user, 10s);
  EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1) << result.exit_code << result.err;
  return result.exit_code == 0;
}

// Puts the database back where the coordinator reads it and restarts it.
void ExpectDatabaseStillServes(LocalCluster& cluster, const std::map<int64_t, v1::Trial>& trials) {
  chmod(cluster.File("data").c_str(), 0700);
  chmod(cluster.File("data/hpo.db").c_str(), 0600);
  chown(cluster.File("data/hpo.db").c_str(), geteuid(), getegid());
  fs::rename(cluster.File("data/hpo.db"), cluster.db_path());
  ASSERT_OK(cluster.StartCoordinator());
  ExpectTrialsAre(cluster, trials);
}

TEST(StorageFaultE2eTest, ReadOnlyDatabaseFileIsRefusedAtStartAndLeftAsItWas) {
  LocalCluster cluster;
  const std::map<int64_t, v1::Trial> trials = MakeDatabase(cluster);
  const std::optional<User> user = Unprivileged();
  const std::string coordinator = CoordinatorFor(cluster, user);
  const std::string data = cluster.File("data");
  const std::string db = cluster.File("data/hpo.db");
  // Readable but not writable, in a directory it cannot write to either.
  ASSERT_EQ(chmod(db.c_str(), 0444), 0);
  ASSERT_EQ(chmod(data.c_str(), 0555), 0);
  absl::Cleanup writable = [&] { chmod(data.c_str(), 0700); };
  ASSERT_TRUE(Can(cluster, user, "-r", db));
  ASSERT_FALSE(Can(cluster, user, "-w", db));
  ASSERT_FALSE(Can(cluster, user, "-w", data));
  const std::string before = ReadBytes(db);

  CommandResult result =
      cluster.RunAs({coordinator, "--listen", "127.0.0.1:0", "--db", db}, user, 20s);
  EXPECT_GT(result.exit_code, 0) << "exit " << result.exit_code << ": " << result.err;
  EXPECT_THAT(result.err, HasSubstr("cannot open database file " + db + ": Permission denied"));
  EXPECT_THAT(result.err, Not(HasSubstr("serving on")));
  EXPECT_EQ(ReadBytes(db), before);
  EXPECT_EQ(DirEntries(data), std::vector<std::string>({"hpo.db"}));

  ExpectDatabaseStillServes(cluster, trials);
}

TEST(StorageFaultE2eTest, DatabaseInAnUnwritableDirectoryIsRefusedAtStartAndLeftAsItWas) {
  LocalCluster cluster;
  const std::map<int64_t, v1::Trial> trials = MakeDatabase(cluster);
  const std::optional<User> user = Unprivileged();
  const std::string coordinator = CoordinatorFor(cluster, user);
  const std::string data = cluster.File("data");
  const std::string db = cluster.File("data/hpo.db");
  // The file is the coordinator's to write, but SQLite cannot create the
  // -wal and -shm files it needs beside it.
  if (user.has_value()) {
    ASSERT_EQ(chown(db.c_str(), user->uid, user->gid), 0);
  }
  ASSERT_EQ(chmod(data.c_str(), 0555), 0);
  absl::Cleanup writable = [&] { chmod(data.c_str(), 0700); };
  ASSERT_TRUE(Can(cluster, user, "-w", db));
  ASSERT_FALSE(Can(cluster, user, "-w", data));
  const std::string before = ReadBytes(db);

  CommandResult result =
      cluster.RunAs({coordinator, "--listen", "127.0.0.1:0", "--db", db}, user, 20s);
  EXPECT_GT(result.exit_code, 0) << "exit " << result.exit_code << ": " << result.err;
  EXPECT_THAT(result.err, HasSubstr(db + ": "));
  EXPECT_THAT(result.err, HasSubstr("directory is not writable"));
  EXPECT_THAT(result.err, Not(HasSubstr("serving on")));
  EXPECT_EQ(ReadBytes(db), before);
  EXPECT_EQ(DirEntries(data), std::vector<std::string>({"hpo.db"}));

  ExpectDatabaseStillServes(cluster, trials);
}

TEST(StorageFaultE2eTest, ASecondCoordinatorOnTheSameDatabaseOrPortIsRefused) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  ASSERT_OK(cluster.client().CreateStudy(Spec(), /*load_if_exists=*/false));
  auto stub = Stub(cluster);
  v1::Trial asked, told;
  ASSERT_TRUE(Ask(*stub, &asked).ok());
  ASSERT_TRUE(Tell(*stub, asked.number(), 0.5, &told).ok());
  const std::string coordinator = cluster.Binary("server/hpo-coordinator");

  // It would serve its own copy of the studies and overwrite the first one's
  // results with it.
  CommandResult same_db = cluster.RunAs(
      {coordinator, "--listen", "127.0.0.1:0", "--db", cluster.db_path()}, std::nullopt, 20s);
  EXPECT_GT(same_db.exit_code, 0) << "exit " << same_db.exit_code << ": " << same_db.err;
  EXPECT_THAT(same_db.err, HasSubstr(cluster.db_path() + " is in use by another process"));
  EXPECT_THAT(same_db.err, Not(HasSubstr("serving on")));

  // gRPC's default SO_REUSEPORT would let it share the port and take a share
  // of the calls.
  CommandResult same_port = cluster.RunAs(
      {coordinator, "--listen", cluster.address(), "--db", cluster.File("other.db")},
      std::nullopt, 20s);
  EXPECT_GT(same_port.exit_code, 0) << "exit " << same_port.exit_code << ": " << same_port.err;
  EXPECT_THAT(same_port.err, HasSubstr("cannot listen on " + cluster.address()));
  EXPECT_THAT(same_port.err, Not(HasSubstr("serving on")));

  // The first one still serves every call, and its result stands.
  for (int i = 0; i < 10; ++i) ExpectTrialsAre(cluster, {{told.number(), told}});
  v1::Trial next;
  EXPECT_TRUE(Ask(*stub, &next).ok());
}

}  // namespace
}  // namespace hpo::testing
