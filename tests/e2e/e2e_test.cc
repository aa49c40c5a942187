// End to end: a real coordinator, real worker processes, the hpo CLI and a
// real SQLite file, on loopback.
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/available_cpus.h"
#include "common/search_space.h"
#include "common/spec_parser.h"
#include "common/trial_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/storage/sqlite_storage.h"
#include "tests/e2e/local_cluster.h"
#include "tests/status_matchers.h"

namespace hpo::testing {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr char kSyntheticSpec[] = R"yaml(
name: synthetic
sampler: {type: random, seed: 3}
max_trials: 8
lease_seconds: 5
params:
  lr: {type: float, low: 1.0e-3, high: 3.0e-1, log: true}
  weight_decay: {type: float, low: 1.0e-6, high: 1.0e-2, log: true}
  batch_size: {type: int, low: 16, high: 64, step: 16}
task:
  dataset: {name: synthetic-regression, train_examples: 2000, validation_examples: 200}
  model: {type: linear}
  epochs: 4
)yaml";

// The trials the CLI prints with --format json.
Json TrialsJson(LocalCluster& cluster, const std::string& study) {
  CommandResult result = cluster.Cli({"trials", study, "--format", "json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return Json::parse(result.out);
}

// Shell: wait (up to 30 s) until hpo run's worker-0 has reported an epoch.
const std::string kUntilWorker0Trains =
    "for i in $(seq 300); do grep -qs ' epoch ' logs/worker-0.log && break; sleep 0.1; done; ";

TEST(EndToEndTest, TwoWorkersRunAStudyToCompletionAndEveryResultIsStored) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  const std::string spec_path = cluster.WriteFile("spec.yaml", kSyntheticSpec);
  CommandResult created = cluster.Cli({"study", "create", "--spec", spec_path});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_OK(cluster.StartWorker("w1"));
  ASSERT_OK(cluster.StartWorker("w2"));
  ASSERT_OK(cluster.WaitForStudy("synthetic", 120s));

  const v1::StudySpec spec = ParseSpec(kSyntheticSpec);
  Json trials = TrialsJson(cluster, "synthetic");
  ASSERT_EQ(trials.size(), 8u);
  std::map<int64_t, double> values;
  for (const Json& trial : trials) {
    EXPECT_EQ(trial["state"], "COMPLETE") << trial.dump();
    ASSERT_TRUE(trial["value"].is_number()) << trial.dump();
    values[trial["number"].get<int64_t>()] = trial["value"].get<double>();
    EXPECT_EQ(trial["intermediate_values"].size(), 4u) << trial.dump();
    for (const v1::ParamSpec& param : spec.params()) {
      const Json& value = trial["params"][param.name()];
      v1::ParamValue proto;
      if (param.has_int_distribution()) {
        proto.set_int_value(value.get<int64_t>());
      } else {
        proto.set_float_value(value.get<double>());
      }
      EXPECT_OK(CheckParamValue(param, proto));
    }
  }
  // A linear model fits y = 3x + 2 + N(0, 0.1^2): the best MSE is near 0.01.
  CommandResult best = cluster.Cli({"best", "synthetic", "--format", "json"});
  ASSERT_EQ(best.exit_code, 0) << best.err;
  Json best_json = Json::parse(best.out);
  double min_value = INFINITY;
  for (const auto& [number, value] : values) min_value = std::min(min_value, value);
  EXPECT_DOUBLE_EQ(best_json["value"].get<double>(), min_value);
  EXPECT_LT(min_value, 0.05);

  // The database file holds the same results once the coordinator is gone.
  cluster.StopWorkers();
  cluster.StopCoordinator();
  auto storage = server::SqliteStorage::Open(cluster.db_path());
  ASSERT_OK(storage);
  auto studies = (*storage)->LoadAll();
  ASSERT_OK(studies);
  ASSERT_EQ(studies->size(), 1u);
  EXPECT_EQ((*studies)[0].study.state(), v1::Study::COMPLETED);
  ASSERT_EQ((*studies)[0].trials.size(), 8u);
  for (const server::StoredTrial& stored : (*studies)[0].trials) {
    EXPECT_EQ(stored.trial.state(), v1::Trial::COMPLETE);
    EXPECT_DOUBLE_EQ(stored.trial.value(), values[stored.trial.number()]);
  }
}

struct BadSpec {
  std::string yaml;
  std::string expected;  // what the message must name
};

TEST(EndToEndTest, MalformedSpecsAreRefusedByFieldAndTheCoordinatorStaysUp) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  const std::string head = "name: bad\nmax_trials: 3\n";
  const std::vector<BadSpec> bad_specs = {
      {head + "params:\n  lr: {type: float, low: 1, high: 2, lgo: true}\n",
       "spec.yaml:4: params.lr.lgo: unknown field"},
      {head + "params:\n  lr: {type: float, low: 2, high: 1}\n", "params.lr"},
      {head + "params:\n  lr: {type: float, low: 0, high: 1, log: true}\n", "params.lr.low"},
      {head + "params:\n  act: {type: categorical, choices: []}\n", "params.act.choices"},
      {head + "sampler: {type: annealing}\nparams:\n  x: {type: float, low: 0, high: 1}\n",
       "sampler.type"},
  };
  for (const BadSpec& bad : bad_specs) {
    // Through the CLI, which reads the file and names its line.
    const std::string path = cluster.WriteFile("spec.yaml", bad.yaml);
    CommandResult result = cluster.Cli({"study", "create", "--spec", path});
    EXPECT_EQ(result.exit_code, 1) << bad.yaml;
    EXPECT_THAT(result.err, HasSubstr(bad.expected)) << bad.yaml;
  }
  // Straight to the coordinator, past the CLI's own check.
  v1::StudySpec spec = ParseSpec(head + "params:\n  lr: {type: float, low: 1, high: 2}\n");
  spec.mutable_params(0)->mutable_float_distribution()->set_low(5);
  EXPECT_THAT(cluster.client().CreateStudy(spec, false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("params.lr")));
  spec.mutable_sampler()->set_type("annealing");
  spec.mutable_params(0)->mutable_float_distribution()->set_low(1);
  EXPECT_THAT(cluster.client().CreateStudy(spec, false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sampler.type")));

  auto studies = cluster.client().ListStudies();
  ASSERT_OK(studies);  // still serving
  EXPECT_TRUE(studies->empty());
}

TEST(EndToEndTest, ADivergingTrialFailsWithItsReasonAndTheWorkerGoesOn) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  // lr * weight_decay = 5: each step multiplies the weights by -4 before the
  // Adam update, so they overflow within a few dozen steps.
  v1::StudySpec diverging = ParseSpec(R"yaml(
name: diverging
max_trials: 2
params:
  lr: {type: float, low: 10, high: 10}
task:
  dataset: {name: synthetic-regression}
  model: {type: mlp, hidden: [16]}
  optimizer: {weight_decay: 0.5}
  epochs: 10
)yaml");
  ASSERT_OK(cluster.client().CreateStudy(diverging, false));
  ASSERT_OK(cluster.StartWorker("w1", {"--study", "diverging"}));
  ASSERT_OK(cluster.WaitForStudy("diverging", 60s));
  Json trials = TrialsJson(cluster, "diverging");
  ASSERT_EQ(trials.size(), 2u);  // the worker went on to the second trial
  for (const Json& trial : trials) {
    EXPECT_EQ(trial["state"], "FAILED");
    EXPECT_THAT(trial["fail_reason"].get<std::string>(), HasSubstr("non-finite"));
    EXPECT_THAT(trial["fail_reason"].get<std::string>(), HasSubstr("step"));
  }
}

TEST(EndToEndTest, AshaStopsWorkersOnBadTrialsAndKeepsTheirLastValue) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  v1::StudySpec spec = ParseSpec(kSyntheticSpec);
  spec.set_name("pruned");
  spec.set_max_trials(12);
  spec.mutable_params(0)->mutable_float_distribution()->set_low(1e-4);  // some slow learners
  spec.mutable_pruner()->set_type("asha");
  spec.mutable_pruner()->set_reduction_factor(3);
  spec.mutable_task()->set_epochs(9);
  ASSERT_OK(cluster.client().CreateStudy(spec, false));
  ASSERT_OK(cluster.StartWorker("w1"));
  ASSERT_OK(cluster.StartWorker("w2"));
  ASSERT_OK(cluster.WaitForStudy("pruned", 120s));

  Json trials = TrialsJson(cluster, "pruned");
  ASSERT_EQ(trials.size(), 12u);
  int pruned = 0;
  for (const Json& trial : trials) {
    const std::string state = trial["state"];
    ASSERT_TRUE(state == "COMPLETE" || state == "PRUNED") << trial.dump();
    const Json& steps = trial["intermediate_values"];
    if (state == "PRUNED") {
      ++pruned;
      // Stopped at a rung (epoch 1 or 3; not 9, the last), keeping the value it reported there.
      ASSERT_TRUE(steps.size() == 1 || steps.size() == 3) << trial.dump();
      EXPECT_DOUBLE_EQ(trial["value"].get<double>(),
                       steps[std::to_string(steps.size())].get<double>());
    } else {
      EXPECT_EQ(steps.size(), 9u) << trial.dump();
    }
  }
  EXPECT_GT(pruned, 0);
  EXPECT_LT(pruned, 12);
}

TEST(EndToEndTest, KillingTheCoordinatorLosesNoCompleteTrial) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  v1::StudySpec spec = ParseSpec(kSyntheticSpec);
  spec.set_max_trials(16);
  spec.mutable_task()->set_epochs(20);  // long enough that the kill lands mid-study
  ASSERT_OK(cluster.client().CreateStudy(spec, false));
  ASSERT_OK(cluster.StartWorker("w1"));
  ASSERT_OK(cluster.StartWorker("w2"));

  // Wait for a few results, remember them, then kill the coordinator.
  std::map<int64_t, double> before;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (before.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    before.clear();
    auto trials = cluster.client().ListTrials("synthetic");
    ASSERT_OK(trials);
    for (const v1::Trial& trial : *trials) {
      if (trial.state() == v1::Trial::COMPLETE) before[trial.number()] = trial.value();
    }
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(before.size(), 3u);
  const int port = cluster.port();
  cluster.KillCoordinator();
  std::this_thread::sleep_for(500ms);  // workers find it gone and back off
  ASSERT_OK(cluster.StartCoordinator(port));
  ASSERT_OK(cluster.WaitForStudy("synthetic", 120s));

  auto trials = cluster.client().ListTrials("synthetic");
  ASSERT_OK(trials);
  // 16 sampled trials, plus a retry for any whose lease expired: a worker
  // whose AcquireTrial was stored just before the kill never got the answer,
  // and that trial can only end by its lease expiring.
  int64_t sampled = 0;
  for (size_t i = 0; i < trials->size(); ++i) {
    const v1::Trial& trial = (*trials)[i];
    EXPECT_EQ(trial.number(), static_cast<int64_t>(i));
    EXPECT_TRUE(IsFinished(trial.state())) << trial.DebugString();
    if (auto it = before.find(trial.number()); it != before.end()) {
      EXPECT_EQ(trial.state(), v1::Trial::COMPLETE);
      EXPECT_DOUBLE_EQ(trial.value(), it->second);
    }
    if (!trial.has_retry_of()) {
      ++sampled;
      continue;
    }
    ASSERT_LT(trial.retry_of(), trial.number());
    const v1::Trial& original = (*trials)[trial.retry_of()];
    EXPECT_EQ(original.fail_reason(), "lease expired") << original.DebugString();
    ASSERT_EQ(original.params().size(), trial.params().size());
    for (const auto& [name, value] : original.params()) {
      EXPECT_EQ(trial.params().at(name).DebugString(), value.DebugString()) << name;
    }
  }
  EXPECT_EQ(sampled, 16);
}

TEST(EndToEndTest, AStoppedWorkerGivesItsTrialBackAndAnotherFinishesIt) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  v1::StudySpec spec = ParseSpec(kSyntheticSpec);
  spec.set_max_trials(1);
  spec.mutable_task()->set_epochs(400);  // each epoch is a durable report: about a second
  ASSERT_OK(cluster.client().CreateStudy(spec, false));
  ASSERT_OK(cluster.StartWorker("w1"));
  // Once trial 0 is under way, stop its worker as an operator or a
  // preempted machine does: SIGTERM.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  bool started = false;
  while (!started && std::chrono::steady_clock::now() < deadline) {
    auto trials = cluster.client().ListTrials("synthetic");
    ASSERT_OK(trials);
    started = !trials->empty() && (*trials)[0].intermediate_values_size() > 0;
    if (!started) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(started);
  cluster.StopWorkers();

  auto trials = cluster.client().ListTrials("synthetic");
  ASSERT_OK(trials);
  ASSERT_EQ(trials->size(), 2u);
  const v1::Trial stopped = (*trials)[0];  // a copy: `trials` is listed again below
  EXPECT_EQ(stopped.state(), v1::Trial::FAILED);
  EXPECT_EQ(stopped.fail_reason(), "worker stopped");
  EXPECT_LT(stopped.intermediate_values_size(), 400);
  EXPECT_EQ((*trials)[1].state(), v1::Trial::WAITING);
  EXPECT_EQ((*trials)[1].retry_of(), 0);

  // The next worker runs it to the end, with the same params.
  ASSERT_OK(cluster.StartWorker("w2"));
  ASSERT_OK(cluster.WaitForStudy("synthetic", 60s));
  trials = cluster.client().ListTrials("synthetic");
  ASSERT_OK(trials);
  ASSERT_EQ(trials->size(), 2u);
  const v1::Trial& retried = (*trials)[1];
  EXPECT_EQ(retried.state(), v1::Trial::COMPLETE);
  EXPECT_EQ(retried.worker_id(), "w2");
  EXPECT_EQ(retried.intermediate_values_size(), 400);
  for (const auto& [name, value] : stopped.params()) {
    EXPECT_EQ(retried.params().at(name).DebugString(), value.DebugString()) << name;
  }
}

// A worker that serves one study (as hpo run's do) has nothing else to do when
// that study's data does not load: it says so and stops. (A worker serving
// every study goes on with the others: see untrusted_study_test.cc.)
TEST(EndToEndTest, DataThatDoesNotLoadStopsAWorkerOfThatStudyWithoutUsingItUp) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  ASSERT_OK(cluster.client().CreateStudy(ParseSpec(R"yaml(
name: csv-study
sampler: {type: random, seed: 3}
max_trials: 3
params:
  lr: {type: float, low: 1.0e-3, high: 3.0e-1, log: true}
task:
  dataset: {name: csv, path: points.csv, label_column: y, problem: regression,
            validation_examples: 10}
  model: {type: linear}
  epochs: 2
)yaml"),
                                         false));
  const std::vector<std::string> worker = {cluster.Binary("worker/hpo-worker"),
                                           "--coordinator",
                                           cluster.address(),
                                           "--exit-when-idle",
                                           "2",
                                           "--study",
                                           "csv-study"};
  // Every trial needs the file: the worker gives its trial back and stops,
  // instead of failing the whole study one trial at a time.
  CommandResult missing = cluster.RunAs(worker, std::nullopt, 30s);
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("cannot load the data of study csv-study: "));
  EXPECT_THAT(missing.err, HasSubstr("points.csv"));
  EXPECT_THAT(missing.err, HasSubstr("gave trial 0 of csv-study back and stopped"));
  auto trials = cluster.client().ListTrials("csv-study");
  ASSERT_OK(trials);
  ASSERT_EQ(trials->size(), 2u);
  EXPECT_EQ((*trials)[0].state(), v1::Trial::FAILED);
  EXPECT_THAT((*trials)[0].fail_reason(), HasSubstr("points.csv"));
  EXPECT_EQ((*trials)[1].state(), v1::Trial::WAITING);
  EXPECT_EQ((*trials)[1].retry_of(), 0);

  // With the file in place the study goes on from there.
  std::string csv = "x,y\n";
  for (int i = 0; i < 60; ++i) absl::StrAppend(&csv, i * 0.1, ",", 3 * i * 0.1 + 2, "\n");
  cluster.WriteFile("points.csv", csv);
  CommandResult fixed = cluster.RunAs(worker, std::nullopt, 60s);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  auto study = cluster.client().GetStudy("csv-study");
  ASSERT_OK(study);
  EXPECT_EQ(study->state(), v1::Study::COMPLETED);
  trials = cluster.client().ListTrials("csv-study");
  ASSERT_OK(trials);
  ASSERT_EQ(trials->size(), 4u);  // trial 0 given back, its retry and two more
  for (size_t i = 1; i < trials->size(); ++i) {
    EXPECT_EQ((*trials)[i].state(), v1::Trial::COMPLETE) << (*trials)[i].DebugString();
  }
}

TEST(EndToEndTest, AnyProgramCanBeTheObjectiveThroughAskAndTell) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  const std::string spec_path = cluster.WriteFile("spec.yaml", R"yaml(
name: quadratic
sampler: {type: random, seed: 9}
max_trials: 6
params:
  x: {type: float, low: -10, high: 10}
  n: {type: int, low: 1, high: 64, log: true}
  kind: {type: categorical, choices: [a, b]}
)yaml");
  ASSERT_EQ(cluster.Cli({"study", "create", "--spec", spec_path}).exit_code, 0);
  double best = INFINITY;
  for (int i = 0; i < 6; ++i) {
    CommandResult asked = cluster.Cli({"ask", "quadratic", "--format", "json"});
    ASSERT_EQ(asked.exit_code, 0) << asked.err;
    Json trial = Json::parse(asked.out);
    ASSERT_EQ(trial["number"].get<int64_t>(), i);
    const double x = trial["params"]["x"].get<double>();
    const int64_t n = trial["params"]["n"].get<int64_t>();
    EXPECT_TRUE(trial["params"]["kind"] == "a" || trial["params"]["kind"] == "b");
    EXPECT_GE(n, 1);
    EXPECT_LE(n, 64);
    const double value = (x - 1) * (x - 1) + n;
    best = std::min(best, value);
    if (i == 0) {  // intermediate values: a second report for a step is ignored, with a warning
      CommandResult reported =
          cluster.Cli({"report", "quadratic", "--trial", "0", "--step", "1", "--value", "5"});
      EXPECT_EQ(reported.exit_code, 0) << reported.err;
      EXPECT_EQ(reported.out, "continue\n");
      EXPECT_EQ(reported.err, "");
      reported =
          cluster.Cli({"report", "quadratic", "--trial", "0", "--step", "1", "--value", "4"});
      EXPECT_EQ(reported.exit_code, 0) << reported.err;
      EXPECT_EQ(reported.err,
                "hpo: step 1 of trial 0 of quadratic was already reported (value 5); this value "
                "is ignored, as in Optuna\n");
    }
    std::ostringstream text;
    text.precision(17);
    text << value;
    CommandResult told = cluster.Cli({"tell", "quadratic", "--trial", std::to_string(i), "--value",
                                      text.str(), "--attr", "n_used=" + text.str()});
    ASSERT_EQ(told.exit_code, 0) << told.err;
  }
  CommandResult bad_attr =
      cluster.Cli({"tell", "quadratic", "--trial", "0", "--value", "1", "--attr", "n_used"});
  EXPECT_EQ(bad_attr.exit_code, 1);
  EXPECT_THAT(bad_attr.err, HasSubstr("--attr: expected KEY=NUMBER (got \"n_used\")"));
  CommandResult exhausted = cluster.Cli({"ask", "quadratic"});
  EXPECT_EQ(exhausted.exit_code, 1);
  EXPECT_THAT(exhausted.err, HasSubstr("max_trials"));
  CommandResult told_again = cluster.Cli({"tell", "quadratic", "--trial", "0", "--value", "1"});
  EXPECT_EQ(told_again.exit_code, 1);
  EXPECT_THAT(told_again.err, HasSubstr("trial 0"));

  CommandResult result = cluster.Cli({"best", "quadratic", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_DOUBLE_EQ(Json::parse(result.out)["value"].get<double>(), best);
  EXPECT_DOUBLE_EQ(Json::parse(result.out)["user_attrs"]["n_used"].get<double>(), best);
  CommandResult csv = cluster.Cli({"trials", "quadratic", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_THAT(csv.out, HasSubstr("number,state,value,x,n,kind"));
}

TEST(EndToEndTest, AnEnqueuedTrialIsTheNextOneAsked) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  const std::string spec_path = cluster.WriteFile("spec.yaml", R"yaml(
name: quadratic
params:
  x: {type: float, low: -10, high: 10}
  kind: {type: categorical, choices: [a, b]}
)yaml");
  ASSERT_EQ(cluster.Cli({"study", "create", "--spec", spec_path}).exit_code, 0);
  CommandResult enqueued = cluster.Cli(
      {"enqueue", "quadratic", "--set", "x=2.5", "--set", "kind=b", "--attr", "source=1"});
  ASSERT_EQ(enqueued.exit_code, 0) << enqueued.err;
  EXPECT_EQ(enqueued.out, "trial 0 of study \"quadratic\" is WAITING: the next trial handed out\n");
  CommandResult partial = cluster.Cli({"enqueue", "quadratic", "--set", "x=-1"});
  EXPECT_THAT(partial.out, HasSubstr("(the parameters not set are sampled then)"));
  CommandResult asked = cluster.Cli({"ask", "quadratic"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  Json trial = Json::parse(asked.out);
  EXPECT_EQ(trial["number"], 0);
  EXPECT_EQ(trial["params"]["x"], 2.5);
  EXPECT_EQ(trial["params"]["kind"], "b");
  trial = Json::parse(cluster.Cli({"ask", "quadratic"}).out);
  EXPECT_EQ(trial["params"]["x"], -1);
  EXPECT_TRUE(trial["params"]["kind"] == "a" || trial["params"]["kind"] == "b");

  CommandResult bad = cluster.Cli({"enqueue", "quadratic", "--set", "x=far"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("--set x=far: x is a float; \"far\" is not a number"));
  bad = cluster.Cli({"enqueue", "quadratic", "--set", "x=11"});
  EXPECT_THAT(bad.err, HasSubstr("--set x=11: "));
  bad = cluster.Cli({"enqueue", "quadratic", "--set", "y=1"});
  EXPECT_THAT(bad.err, HasSubstr("the spec has no parameter \"y\" (parameters: x, kind)"));
}

TEST(EndToEndTest, TheCliSaysWhichCoordinatorItCannotReach) {
  LocalCluster cluster;  // nothing started: port 0 is never served
  CommandResult result = cluster.Cli({"study", "list", "--coordinator", "127.0.0.1:1"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("cannot reach the coordinator at 127.0.0.1:1"));
}

TEST(EndToEndTest, AWorkerThatNeverReachesTheCoordinatorStopsAfterExitWhenIdle) {
  LocalCluster cluster;  // nothing serves 127.0.0.1:1
  CommandResult result = cluster.RunAs({cluster.Binary("worker/hpo-worker"), "--coordinator",
                                        "127.0.0.1:1", "--exit-when-idle", "1"},
                                       std::nullopt, 30s);
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("no answer from the coordinator for 1 s (--exit-when-idle)"));
  EXPECT_THAT(result.err, HasSubstr("Set --coordinator or HPO_COORDINATOR"));
}

// A worker on more than one thread runs with OpenMP's passive waits (see
// worker/openmp_waits.h), unless its operator chose a policy; on one thread
// it leaves the environment alone. More threads than CPUs are warned of.
TEST(EndToEndTest, AWorkerOnThreadsWaitsPassivelyUnlessTheOperatorChose) {
  LocalCluster cluster;  // nothing serves 127.0.0.1:1: the workers wait, then exit
  // The worker's environment once it runs (it re-executes itself at once,
  // so a second is plenty), and what it logged by then.
  const auto policy_of = [&](const std::string& env, int threads) {
    return cluster.Shell(absl::StrCat(
        env, " '", cluster.Binary("worker/hpo-worker"),
        "' --coordinator 127.0.0.1:1 --exit-when-idle 5 --threads ", threads,
        " 2>log & p=$!; sleep 1; tr '\\0' '\\n' </proc/$p/environ | grep '^OMP_WAIT_POLICY='; "
        "kill $p; wait $p; cat log >&2"));
  };
  EXPECT_EQ(policy_of("", 2).out, "OMP_WAIT_POLICY=PASSIVE\n");
  EXPECT_EQ(policy_of("OMP_WAIT_POLICY=ACTIVE", 2).out, "OMP_WAIT_POLICY=ACTIVE\n");
  EXPECT_EQ(policy_of("", 1).out, "");
  const int cpus = AvailableCpus();
  if (cpus < 256) {
    CommandResult many = policy_of("", cpus + 1);
    EXPECT_THAT(many.err, HasSubstr(absl::StrCat("--threads ", cpus + 1, " is more than the ", cpus,
                                                 " CPUs this process may use")));
  }
}

// hpo run starts a coordinator and workers of its own. Ctrl-C (SIGINT to hpo,
// as the terminal sends it) stops it with exit status 130, the workers give
// their trials back, and the same command again finishes the study: every
// sampled trial completes once and no result is lost.
TEST(EndToEndTest, HpoRunGoesOnAfterCtrlCWithNothingLost) {
  LocalCluster cluster;  // no coordinator: hpo run starts its own on hpo.db
  cluster.WriteFile("spec.yaml", LongTrialsSpec("synthetic", 4));
  const std::string run =
      "'" + cluster.Binary("client/hpo") +
      "' run --spec spec.yaml --workers 2 --threads 2 --db hpo.db --log-dir logs";
  // Once worker-0 has reported an epoch, Ctrl-C.
  CommandResult interrupted =
      cluster.Shell(run + " & pid=$!; " + kUntilWorker0Trains + "kill -INT $pid; wait $pid");
  EXPECT_EQ(interrupted.exit_code, 130) << interrupted.out << interrupted.err;
  EXPECT_THAT(interrupted.out, HasSubstr("interrupted: stopping the workers"));
  EXPECT_EQ(interrupted.err,
            "hpo: interrupted: the study is not finished; run the same command again to go "
            "on\n");

  CommandResult finished = cluster.Shell(run);
  ASSERT_EQ(finished.exit_code, 0) << finished.out << finished.err;
  EXPECT_THAT(finished.out, HasSubstr("best trial of \"synthetic\""));

  ASSERT_OK(cluster.StartCoordinator());
  int complete = 0;
  int given_back = 0;
  Json trials = TrialsJson(cluster, "synthetic");
  for (const Json& trial : trials) {
    if (trial["state"] == "COMPLETE") {
      ++complete;
    } else {
      EXPECT_EQ(trial["state"], "FAILED") << trial.dump();
      EXPECT_EQ(trial["fail_reason"], "worker stopped") << trial.dump();
      ++given_back;
    }
  }
  EXPECT_EQ(complete, 4);
  EXPECT_GE(given_back, 1);  // worker-0's trial at least, stopped mid-way
  EXPECT_EQ(trials.size(), static_cast<size_t>(complete + given_back));
}

// hpo watch follows a study through a coordinator restart: it says the
// coordinator is gone, then that it is back, and ends when the study does.
TEST(EndToEndTest, WatchGoesOnThroughACoordinatorRestart) {
  LocalCluster cluster;
  ASSERT_OK(cluster.StartCoordinator());
  const int port = cluster.port();
  ASSERT_EQ(
      cluster.Cli({"study", "create", "--spec", cluster.WriteFile("spec.yaml", kSyntheticSpec)})
          .exit_code,
      0);
  // `timeout` bounds the watch should the test fail before the study ends.
  const std::string command = "timeout 120 '" + cluster.Binary("client/hpo") +
                              "' watch synthetic --coordinator " + cluster.address();
  CommandResult watched;
  std::thread watch([&] { watched = cluster.Shell(command); });
  std::this_thread::sleep_for(1500ms);  // watch has polled at least once
  cluster.KillCoordinator();
  std::this_thread::sleep_for(2500ms);  // and found it gone
  // EXPECT, not ASSERT: the thread is joined whatever happens.
  EXPECT_OK(cluster.StartCoordinator(port));
  EXPECT_OK(cluster.StartWorker("w1"));
  EXPECT_OK(cluster.WaitForStudy("synthetic", 120s));
  watch.join();

  EXPECT_EQ(watched.exit_code, 0) << watched.out << watched.err;
  EXPECT_THAT(watched.out, HasSubstr("lost the coordinator: cannot reach the coordinator at"));
  EXPECT_THAT(watched.out, HasSubstr("trying again for up to 600 s\nthe coordinator is back\n"));
  EXPECT_THAT(watched.out, HasSubstr("[8/8] trial"));
  EXPECT_THAT(watched.out, HasSubstr("study \"synthetic\" is COMPLETED"));
}

// When hpo run's coordinator cannot start, hpo says why, not only where the
// log is.
TEST(EndToEndTest, HpoRunSaysWhyItsCoordinatorDidNotStart) {
  LocalCluster cluster;
  cluster.WriteFile("spec.yaml", kSyntheticSpec);
  CommandResult result = cluster.Shell("'" + cluster.Binary("client/hpo") +
                                       "' run --spec spec.yaml --db missing/hpo.db");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("hpo: the coordinator exited at start: cannot open database "
                                    "file missing/hpo.db"));
  EXPECT_THAT(result.err, HasSubstr("(log: hpo-logs/coordinator.log)\n"));
}

// A Ctrl-C as soon as hpo run's coordinator is up, before its workers have
// started, still stops everything: exit 130 and no coordinator left behind.
TEST(EndToEndTest, HpoRunInterruptedWhileStartingLeavesNothingRunning) {
  LocalCluster cluster;
  cluster.WriteFile("spec.yaml", kSyntheticSpec);
  const std::string db = cluster.File("early.db");
  CommandResult interrupted = cluster.Shell(
      "'" + cluster.Binary("client/hpo") + "' run --spec spec.yaml --db '" + db +
      "' --log-dir logs & pid=$!; for i in $(seq 300); do [ -s logs/coordinator.address ] && "
      "break; sleep 0.01; done; kill -INT $pid; wait $pid");
  EXPECT_EQ(interrupted.exit_code, 130) << interrupted.out << interrupted.err;
  // "[.]": the pattern must not match the shell running pgrep.
  EXPECT_EQ(cluster.Shell("pgrep -f 'hpo-coordinator .*early[.]db'").exit_code, 1)
      << "a coordinator is left";
}

// hpo run killed outright (SIGKILL: no handler runs) still takes its
// coordinator and workers with it: they get SIGTERM when their parent dies.
TEST(EndToEndTest, HpoRunKilledTakesItsCoordinatorAndWorkersWithIt) {
  LocalCluster cluster;
  cluster.WriteFile("spec.yaml", LongTrialsSpec("synthetic", 4));
  // Once worker-0 trains, SIGKILL hpo; then wait up to 30 s for its
  // coordinator (by its database) and workers (by the address) to go.
  CommandResult result = cluster.Shell(
      "'" + cluster.Binary("client/hpo") +
      "' run --spec spec.yaml --db killed.db --log-dir logs & pid=$!; " + kUntilWorker0Trains +
      "kill -KILL $pid; wait $pid; addr=$(cat logs/coordinator.address); "
      "for i in $(seq 300); do pgrep -f 'hpo-coordinator .*killed[.]db' >/dev/null || "
      "pgrep -f \"hpo-worker --coordinator $addr \" >/dev/null || { echo gone; exit 0; }; "
      "sleep 0.1; done; echo left; exit 1");
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, ::testing::EndsWith("\ngone\n"));
}

}  // namespace
}  // namespace hpo::testing
