// A study's spec is untrusted input, and the coordinator is shared: what one
// study makes a worker read stays on the worker, one bad study stops no
// worker, a model too large is refused at the door, an asked trial whose
// client died is reclaimed, and a coordinator restart costs no finished
// trial. Real processes on loopback.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/local_cluster.h"
#include "tests/status_matchers.h"

namespace hpo::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr char kSecret[] = "hunter2-Zq8wX";

// A one-trial csv study reading `path` (and, if given, `test_path`).
v1::StudySpec CsvStudy(const std::string& name, const std::string& path,
                       const std::string& test_path = "") {
  v1::StudySpec spec = ParseSpec(absl::StrCat(R"yaml(
name: )yaml",
                                              name, R"yaml(
max_trials: 1
params:
  lr: {type: float, low: 1.0e-3, high: 1.0e-1, log: true}
task:
  dataset: {name: csv, validation_examples: 1}
  model: {type: linear}
  epochs: 1
)yaml"));
  spec.mutable_task()->mutable_dataset()->set_path(path);
  spec.mutable_task()->mutable_dataset()->set_test_path(test_path);
  return spec;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A worker with a secret in its environment (its bearer token, as the
// attacker of the issue read it from /proc/self/environ) and secret CSVs on
// its disk, inside and outside its data root: whatever the studies point it
// at, no answer that a client can read holds the secret, and a path outside
// the roots gets the same answer whether or not the file exists.
TEST(UntrustedStudyTest, NothingAClientCanReadHoldsTheWorkersSecrets) {
  LocalCluster cluster;
  TempDir outside;  // not under the worker's data root (its working directory)
  const std::string secret_csv = absl::StrCat("user,", kSecret, "\nalice,", kSecret, "\n");
  const std::string outside_csv = outside.File("credentials.csv");
  std::ofstream(outside_csv) << secret_csv;
  cluster.WriteFile("inside.csv", secret_csv);
  cluster.WriteFile("good.csv", absl::StrCat("x,y\n1,a\n2,b\n3,a\n4,b\n5,", kSecret, "\n"));
  std::filesystem::create_symlink(outside_csv, cluster.File("link.csv"));
  const std::string relative_outside =
      std::filesystem::relative(outside_csv, cluster.dir()).string();  // "../..."
  ASSERT_THAT(relative_outside, HasSubstr(".."));

  ASSERT_OK(cluster.StartCoordinator());
  const std::map<std::string, v1::StudySpec> studies = {
      {"environ", CsvStudy("environ", "/proc/self/environ")},
      {"dotdot", CsvStudy("dotdot", relative_outside)},
      {"absolute", CsvStudy("absolute", outside_csv)},
      {"missing-outside", CsvStudy("missing-outside", outside.File("nothing.csv"))},
      {"symlink", CsvStudy("symlink", "link.csv")},
      {"inside", CsvStudy("inside", "inside.csv")},
      {"test-path", CsvStudy("test-path", "good.csv", "inside.csv")},
      {"labels", CsvStudy("labels", "good.csv")},
  };
  for (const auto& [name, spec] : studies) {
    ASSERT_OK(cluster.client().CreateStudy(spec, false));
  }
  v1::StudySpec mnist = CsvStudy("mnist-dir", "");
  mnist.mutable_task()->mutable_dataset()->set_name("fashion-mnist");
  mnist.mutable_task()->mutable_dataset()->set_path(outside.path());
  mnist.mutable_task()->mutable_dataset()->clear_test_path();
  mnist.mutable_task()->mutable_dataset()->set_validation_examples(10);
  ASSERT_OK(cluster.client().CreateStudy(mnist, false));

  ASSERT_EQ(setenv("HPO_TOKEN", kSecret, 1), 0);
  CommandResult worker = cluster.RunAs({cluster.Binary("worker/hpo-worker"), "--coordinator",
                                        cluster.address(), "--exit-when-idle", "2"},
                                       std::nullopt, 120s);
  unsetenv("HPO_TOKEN");
  // It went on through every bad study, and ran out of work.
  EXPECT_EQ(worker.exit_code, 0) << worker.err;

  std::map<std::string, std::string> reasons;
  for (const std::string name : {"environ", "dotdot", "absolute", "missing-outside", "symlink",
                                 "inside", "test-path", "labels", "mnist-dir"}) {
    auto trials = cluster.client().ListTrials(name);
    ASSERT_OK(trials);
    ASSERT_EQ(trials->size(), 1u) << name;
    const v1::Trial& trial = (*trials)[0];
    // A class name is never shown: the labels study trains.
    EXPECT_EQ(trial.state(), name == "labels" ? v1::Trial::COMPLETE : v1::Trial::FAILED) << name;
    EXPECT_THAT(trial.fail_reason(), Not(HasSubstr(kSecret))) << name;
    for (const auto& [attr, value] : trial.user_attrs()) EXPECT_THAT(attr, Not(HasSubstr(kSecret)));
    reasons[name] = trial.fail_reason();
  }
  // Outside the roots, existing or not, readable or not: one answer.
  for (const std::string name : {"environ", "dotdot", "absolute", "missing-outside", "symlink"}) {
    EXPECT_THAT(reasons[name], HasSubstr("is not a file under this worker's data roots")) << name;
  }
  const auto without_path = [&](const std::string& name, const std::string& path) {
    std::string reason = reasons[name];
    reason.replace(reason.find(path), path.size(), "PATH");
    return reason;
  };
  EXPECT_EQ(without_path("absolute", outside_csv),
            without_path("missing-outside", outside.File("nothing.csv")));
  EXPECT_THAT(reasons["mnist-dir"], HasSubstr("is not a file under this worker's data roots"));
  // Inside the roots the reason says what is wrong, without quoting the file.
  EXPECT_THAT(reasons["inside"], HasSubstr("inside.csv:2: column 1: not a number"));
  EXPECT_THAT(reasons["labels"], Not(HasSubstr(kSecret)));

  // Nor does anything else a client reads.
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"study", "list"},
                                             {"study", "list", "--format", "json"},
                                             {"trials", "inside", "--format", "json"},
                                             {"trials", "test-path", "--format", "csv"},
                                             {"study", "show", "environ"}}) {
    CommandResult result = cluster.Cli(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_THAT(result.out, Not(HasSubstr(kSecret))) << args[0];
    EXPECT_THAT(result.err, Not(HasSubstr(kSecret))) << args[0];
  }
}

constexpr char kGoodSpec[] = R"yaml(
name: good
sampler: {type: random, seed: 3}
max_trials: 12
params:
  lr: {type: float, low: 1.0e-3, high: 1.0e-1, log: true}
task:
  dataset: {name: synthetic-regression, train_examples: 500, validation_examples: 50}
  model: {type: linear}
  epochs: 2
)yaml";

// One bad study beside a good one, three workers serving every study: the bad
// study's trials fail, it is PAUSED with the reason after a few, the good
// study completes, and every worker is still running afterwards.
TEST(UntrustedStudyTest, ABadStudyBesideAGoodOneStopsNoWorker) {
  LocalCluster cluster;
  ASSERT_EQ(mkfifo(cluster.File("pipe.csv").c_str(), 0600), 0);
  ASSERT_OK(cluster.StartCoordinator());
  // Absolute paths: these workers do not run in the cluster's directory.
  v1::StudySpec typo = CsvStudy("a-typo", cluster.File("no-such-file.csv"));
  typo.set_max_trials(50);
  ASSERT_OK(cluster.client().CreateStudy(typo, false));
  v1::StudySpec fifo = CsvStudy("a-fifo", cluster.File("pipe.csv"));  // would block a reader
  fifo.set_max_trials(50);
  ASSERT_OK(cluster.client().CreateStudy(fifo, false));
  ASSERT_OK(cluster.client().CreateStudy(ParseSpec(kGoodSpec), false));
  for (const char* id : {"w1", "w2", "w3"}) {
    ASSERT_OK(cluster.StartWorker(id, {"--data-root", cluster.dir()}));
  }

  ASSERT_OK(cluster.WaitForStudy("good", 120s));
  for (const char* name : {"a-typo", "a-fifo"}) {
    ASSERT_TRUE(PollUntil(
        [&] {
          auto study = cluster.client().GetStudy(name);
          return study.ok() && study->state() == v1::Study::PAUSED;
        },
        30s))
        << name;
    CommandResult shown = cluster.Cli({"study", "show", name});
    EXPECT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_THAT(shown.out, HasSubstr("PAUSED: 3 trials in a row could not run"));
  }
  EXPECT_THAT(cluster.Cli({"study", "show", "a-typo"}).out, HasSubstr("no-such-file.csv"));
  EXPECT_THAT(cluster.Cli({"study", "show", "a-fifo"}).out, HasSubstr("not a regular file"));
  EXPECT_EQ(cluster.RunningWorkers(), 3);

  // And they all take the next study's trials.
  v1::StudySpec next = ParseSpec(kGoodSpec);
  next.set_name("next");
  next.set_max_trials(30);
  ASSERT_OK(cluster.client().CreateStudy(next, false));
  ASSERT_OK(cluster.WaitForStudy("next", 120s));
  EXPECT_EQ(cluster.RunningWorkers(), 3);

  // Once fixed, the owner resumes it.
  std::string csv = "x,y\n";
  for (int i = 0; i < 20; ++i) absl::StrAppend(&csv, i, ",", i % 2, "\n");
  cluster.WriteFile("no-such-file.csv", csv);
  CommandResult resumed = cluster.Cli({"study", "resume", "a-typo"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(resumed.out, "study \"a-typo\" is RUNNING\n");
  ASSERT_OK(cluster.WaitForStudy("a-typo", 120s));
}

TEST(UntrustedStudyTest, AModelTooLargeForMemoryIsRefusedAtCreate) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  const std::string spec = cluster.WriteFile("huge.yaml", R"yaml(
name: huge
params:
  lr: {type: float, low: 1.0e-3, high: 1.0e-1, log: true}
task:
  dataset: {name: fashion-mnist}
  model: {type: mlp, hidden: [65536, 65536]}
)yaml");
  CommandResult created = cluster.Cli({"study", "create", "--spec", spec});
  EXPECT_EQ(created.exit_code, 1);
  EXPECT_THAT(created.err, HasSubstr("huge.yaml:7: task.model.hidden: the model would have"));
  // The coordinator refuses it too, for a client that skips the CLI's check.
  EXPECT_THAT(cluster.client().CreateStudy(
                  ParseSpec(absl::StrCat("name: huge\nparams:\n  lr: {type: float, low: "
                                         "0.001, high: 0.1}\ntask:\n  dataset: {name: "
                                         "fashion-mnist}\n  model: {hidden: [65536, 65536]}\n")),
                  false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("task.model.hidden")));
}

// `hpo ask --lease`: the client dies without telling; within lease + 1 s
// the trial fails "lease expired" and the next ask gets its retry.
TEST(UntrustedStudyTest, AnAskedTrialWhoseClientDiedIsReclaimedAndRetried) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  const std::string spec = cluster.WriteFile("spec.yaml", R"yaml(
name: quadratic
max_trials: 2
lease_seconds: 2
params:
  x: {type: float, low: -10, high: 10}
)yaml");
  ASSERT_EQ(cluster.Cli({"study", "create", "--spec", spec}).exit_code, 0);
  CommandResult asked = cluster.Cli({"ask", "quadratic", "--lease"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  const Json trial = Json::parse(asked.out);
  const std::string lease_id = trial["lease_id"].get<std::string>();
  ASSERT_FALSE(lease_id.empty());
  // Alive while it heartbeats...
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(1s);
    CommandResult beat =
        cluster.Cli({"heartbeat", "quadratic", "--trial", "0", "--lease-id", lease_id});
    ASSERT_EQ(beat.exit_code, 0) << beat.err;
  }
  // ... then its client is gone.
  const int64_t gone_ms = NowMs();
  ASSERT_TRUE(PollUntil(
      [&] {
        auto trials = cluster.client().ListTrials("quadratic");
        return trials.ok() && (*trials)[0].state() == v1::Trial::FAILED;
      },
      10s));
  auto trials = cluster.client().ListTrials("quadratic");
  ASSERT_OK(trials);
  ASSERT_EQ(trials->size(), 2u);
  EXPECT_EQ((*trials)[0].fail_reason(), "lease expired");
  EXPECT_LE((*trials)[0].complete_time_ms() - gone_ms, 3000);  // lease + 1 s
  EXPECT_EQ((*trials)[1].state(), v1::Trial::WAITING);
  CommandResult again = cluster.Cli({"ask", "quadratic"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const Json retry = Json::parse(again.out);
  EXPECT_EQ(retry["number"], 1);
  EXPECT_EQ(retry["params"], trial["params"]);
  CommandResult late =
      cluster.Cli({"tell", "quadratic", "--trial", "0", "--value", "1", "--lease-id", lease_id});
  EXPECT_EQ(late.exit_code, 1);
  EXPECT_THAT(late.err, HasSubstr("already FAILED (lease expired)"));

  // Progress counts what max_trials counts: the retried failure is shown,
  // not counted, and the count never passes the total.
  ASSERT_EQ(cluster.Cli({"tell", "quadratic", "--trial", "1", "--value", "2"}).exit_code, 0);
  CommandResult last = cluster.Cli({"ask", "quadratic"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  ASSERT_EQ(cluster.Cli({"tell", "quadratic", "--trial", "2", "--value", "3"}).exit_code, 0);
  CommandResult watched = cluster.Cli({"watch", "quadratic"});
  EXPECT_EQ(watched.exit_code, 0) << watched.err;
  EXPECT_THAT(watched.out, HasSubstr("[0/2] trial   0 FAILED"));
  EXPECT_THAT(watched.out, HasSubstr("(lease expired) - retried\n[1/2] trial   1 COMPLETE"));
  EXPECT_THAT(watched.out, HasSubstr("[2/2] trial   2 COMPLETE"));
  EXPECT_THAT(watched.out, Not(HasSubstr("[3/2]")));
}

// The coordinator is down for 5 s while a worker finishes its trial's only
// epoch. Back up, it sees the worker again within 2 s, and the trial ends
// COMPLETE: not thrown away and trained again.
TEST(UntrustedStudyTest, ATrialFinishedDuringACoordinatorOutageIsKept) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  const int port = cluster.port();
  ASSERT_OK(cluster.client().CreateStudy(ParseSpec(R"yaml(
name: outage
max_trials: 1
lease_seconds: 2
params:
  lr: {type: float, low: 1.0e-3, high: 1.0e-1, log: true}
task:
  dataset: {name: synthetic-regression, train_examples: 200000, validation_examples: 200}
  model: {type: mlp, hidden: [256, 256]}
  epochs: 1
)yaml"),
                                         false));
  ASSERT_OK(cluster.StartWorker("w1"));
  const std::string log = cluster.WorkerLog("w1");
  auto logged = [&](const std::string& text) {
    std::ifstream in(log);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return all.find(text) != std::string::npos;
  };
  // The epoch takes a second or two here: it ends while the coordinator is away.
  ASSERT_TRUE(PollUntil([&] { return logged("trial 0 of outage started"); }, 60s));
  cluster.KillCoordinator();
  const auto killed = Clock::now();
  ASSERT_TRUE(PollUntil([&] { return logged(" epoch 1 "); }, 30s));
  std::this_thread::sleep_until(killed + 5s);
  ASSERT_OK(cluster.StartCoordinator(port));
  const int64_t back_ms = NowMs();
  ASSERT_TRUE(PollUntil([&] { return logged(" COMPLETE "); }, 30s));
  auto trials = cluster.client().ListTrials("outage");
  ASSERT_OK(trials);
  ASSERT_EQ(trials->size(), 1u);
  EXPECT_EQ((*trials)[0].state(), v1::Trial::COMPLETE) << (*trials)[0].DebugString();
  EXPECT_LE((*trials)[0].complete_time_ms() - back_ms, 2000);  // the worker is back within 2 s
  ASSERT_EQ((*trials)[0].intermediate_values_size(), 1);
}

}  // namespace
}  // namespace hpo::testing
