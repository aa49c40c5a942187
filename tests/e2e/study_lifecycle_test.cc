// A user fixes a study with real processes: delete and create again, resume a
// stopped study, raise max_trials of a finished one, drain while workers train.
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/local_cluster.h"
#include "tests/status_matchers.h"

namespace hpo::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

// Quick trials (a linear model on a little generated data).
constexpr char kQuickSpec[] = R"yaml(
name: quick
sampler: {type: random, seed: 3}
max_trials: 3
params:
  lr: {type: float, low: 1.0e-3, high: 1.0e-1, log: true}
task:
  dataset: {name: synthetic-regression, train_examples: 300, validation_examples: 50}
  model: {type: linear}
  epochs: 2
)yaml";

int64_t Count(const v1::Study& study, const std::string& state) {
  auto it = study.trial_counts().find(state);
  return it == study.trial_counts().end() ? 0 : it->second;
}

v1::Study::State StateOf(LocalCluster& cluster, const std::string& name) {
  absl::StatusOr<v1::Study> study = cluster.client().GetStudy(name);
  return study.ok() ? study->state() : v1::Study::STATE_UNSPECIFIED;
}

// The data-path typo of a new user: the fixed spec is refused while the old
// study holds the name (saying what differs, in the file's names); deleted,
// the name is free and the study is new. Delete waits for running trials.
TEST(StudyLifecycleTest, DeleteThenCreateAgainWithTheSameName) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  // Absolute paths: the workers do not run in the cluster's directory.
  auto spec = [&](const std::string& data) {
    return absl::StrCat(R"yaml(
name: my-tabular
max_trials: 2
params:
  lr: {type: float, low: 1.0e-3, high: 1.0e-1, log: true}
task:
  dataset: {name: csv, validation_examples: 2, path: )yaml",
                        cluster.File(data), "}\n  model: {type: linear}\n");
  };
  const std::string typo = cluster.WriteFile("typo.yaml", spec("data.cvs"));
  const std::string fixed = cluster.WriteFile("fixed.yaml", spec("data.csv"));
  std::string csv = "x,y\n";
  for (int i = 0; i < 20; ++i) absl::StrAppend(&csv, i, ",", i % 2, "\n");
  cluster.WriteFile("data.csv", csv);
  ASSERT_EQ(cluster.Cli({"study", "create", "--spec", typo}).exit_code, 0);
  // A trial in flight (asked, never told) holds the study.
  ASSERT_EQ(cluster.Cli({"ask", "my-tabular"}).exit_code, 0);

  CommandResult again = cluster.Cli({"study", "create", "--spec", fixed, "--load-if-exists"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr(absl::StrCat("already exists with a different spec "
                                                "(task.dataset.path: \"",
                                                cluster.File("data.cvs"), "\" -> \"",
                                                cluster.File("data.csv"), "\")")));
  EXPECT_THAT(again.err, Not(HasSubstr("float_distribution")));

  CommandResult refused = cluster.Cli({"study", "delete", "my-tabular"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("has 1 RUNNING trial"));
  EXPECT_THAT(refused.err, HasSubstr("--force"));
  EXPECT_EQ(StateOf(cluster, "my-tabular"), v1::Study::RUNNING);

  CommandResult deleted = cluster.Cli({"study", "delete", "my-tabular", "--force"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "deleted study \"my-tabular\" and its trials\n");
  EXPECT_THAT(cluster.client().GetStudy("my-tabular"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("does not exist")));

  CommandResult created = cluster.Cli({"study", "create", "--spec", fixed});
  EXPECT_EQ(created.exit_code, 0) << created.err;
  ASSERT_OK(cluster.StartWorker("w1", {"--data-root", cluster.dir()}));
  absl::StatusOr<v1::Study> done = cluster.WaitForStudy("my-tabular", 60s);
  ASSERT_OK(done);
  EXPECT_EQ(Count(*done, "COMPLETE"), 2);  // the old study's trial is gone
  EXPECT_EQ(done->spec().task().dataset().path(), cluster.File("data.csv"));

  // Deleted for good: a restarted coordinator does not bring it back.
  ASSERT_EQ(cluster.Cli({"study", "delete", "my-tabular"}).exit_code, 0);
  cluster.StopWorkers();
  cluster.StopCoordinator();
  ASSERT_OK(cluster.StartCoordinator());
  EXPECT_THAT(cluster.client().GetStudy("my-tabular"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("does not exist")));
}

TEST(StudyLifecycleTest, AStoppedStudyResumesAndFinishes) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  ASSERT_EQ(
      cluster.Cli({"study", "create", "--spec", cluster.WriteFile("q.yaml", kQuickSpec)}).exit_code,
      0);
  CommandResult stopped = cluster.Cli({"study", "stop", "quick"});
  EXPECT_EQ(stopped.out, "study \"quick\" is STOPPED\n");
  ASSERT_OK(cluster.StartWorker("w1"));
  std::this_thread::sleep_for(1500ms);  // the worker finds nothing to do
  absl::StatusOr<v1::Study> idle = cluster.client().GetStudy("quick");
  ASSERT_OK(idle);
  EXPECT_EQ(idle->state(), v1::Study::STOPPED);
  EXPECT_TRUE(idle->trial_counts().empty() || Count(*idle, "COMPLETE") == 0);

  CommandResult resumed = cluster.Cli({"study", "resume", "quick"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(resumed.out, "study \"quick\" is RUNNING\n");
  absl::StatusOr<v1::Study> done = cluster.WaitForStudy("quick", 60s);
  ASSERT_OK(done);
  EXPECT_EQ(Count(*done, "COMPLETE"), 3);

  // A COMPLETED study has nothing left to resume, and says how to go on.
  CommandResult finished = cluster.Cli({"study", "resume", "quick"});
  EXPECT_EQ(finished.exit_code, 1);
  EXPECT_THAT(finished.err, HasSubstr("hpo study update quick --max-trials N"));
}

TEST(StudyLifecycleTest, RaisingMaxTrialsOfAFinishedStudyRunsMore) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  ASSERT_OK(cluster.client().CreateStudy(ParseSpec(kQuickSpec), false));
  ASSERT_OK(cluster.StartWorker("w1"));
  ASSERT_OK(cluster.WaitForStudy("quick", 60s));

  CommandResult updated = cluster.Cli({"study", "update", "quick", "--max-trials", "5"});
  EXPECT_EQ(updated.exit_code, 0) << updated.err;
  EXPECT_EQ(updated.out,
            "study \"quick\": max_trials: 3 -> 5\n"
            "study \"quick\" is RUNNING\n");
  absl::StatusOr<v1::Study> done = cluster.WaitForStudy("quick", 60s);
  ASSERT_OK(done);
  EXPECT_EQ(Count(*done, "COMPLETE"), 5);
  EXPECT_EQ(done->spec().max_trials(), 5);
  // The everyday view: the two best, best first; the best one marked.
  CommandResult best_two =
      cluster.Cli({"trials", "quick", "--state", "complete", "--sort", "value", "--limit", "2"});
  EXPECT_EQ(best_two.exit_code, 0) << best_two.err;
  EXPECT_EQ(std::count(best_two.out.begin(), best_two.out.end(), '\n'), 3) << best_two.out;
  EXPECT_THAT(best_two.out, HasSubstr(absl::StrCat("\n", done->best_trial().number(), " ")));
  EXPECT_THAT(best_two.out, HasSubstr("COMPLETE (best)"));
  CommandResult bad_state = cluster.Cli({"trials", "quick", "--state", "done"});
  EXPECT_EQ(bad_state.exit_code, 1);
  EXPECT_THAT(bad_state.err, HasSubstr("--state: unknown state \"done\""));

  // What a live study cannot take is refused, naming the field.
  const std::string wider =
      cluster.WriteFile("wider.yaml", absl::StrCat(kQuickSpec, "  batch_size: 64\n"));
  CommandResult refused = cluster.Cli({"study", "update", "quick", "--spec", wider});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("task.batch_size: 128 -> 64 cannot change on a live study"));
  // And it survives a restart.
  cluster.StopWorkers();
  cluster.StopCoordinator();
  ASSERT_OK(cluster.StartCoordinator());
  absl::StatusOr<v1::Study> reloaded = cluster.client().GetStudy("quick");
  ASSERT_OK(reloaded);
  EXPECT_EQ(reloaded->spec().max_trials(), 5);
  EXPECT_EQ(reloaded->state(), v1::Study::COMPLETED);
}

TEST(StudyLifecycleTest, DrainLetsRunningTrialsFinishAndKeepsTheirResults) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  ASSERT_OK(cluster.client().CreateStudy(ParseSpec(LongTrialsSpec("long", 20)), false));
  ASSERT_OK(cluster.StartWorker("w1"));
  ASSERT_OK(cluster.StartWorker("w2"));
  ASSERT_TRUE(PollUntil(
      [&] {
        absl::StatusOr<v1::Study> study = cluster.client().GetStudy("long");
        return study.ok() && Count(*study, "RUNNING") == 2;
      },
      30s));
  CommandResult drained = cluster.Cli({"study", "stop", "long", "--drain"});
  EXPECT_EQ(drained.exit_code, 0) << drained.err;
  EXPECT_THAT(drained.out, HasSubstr("study \"long\" is DRAINING"));
  ASSERT_TRUE(PollUntil([&] { return StateOf(cluster, "long") == v1::Study::STOPPED; }, 60s));

  absl::StatusOr<std::vector<v1::Trial>> trials = cluster.client().ListTrials("long");
  ASSERT_OK(trials);
  int complete = 0;
  for (const v1::Trial& trial : *trials) {
    EXPECT_EQ(trial.state(), v1::Trial::COMPLETE) << trial.number() << ": " << trial.fail_reason();
    complete += trial.state() == v1::Trial::COMPLETE;
  }
  EXPECT_GE(complete, 2);
  EXPECT_LT(complete, 20);                 // no new trial after the drain began
  EXPECT_EQ(cluster.RunningWorkers(), 2);  // serving every study, they wait for more
}

}  // namespace
}  // namespace hpo::testing
