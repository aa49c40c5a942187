// The worker loop alone, in-process: a real Coordinator core with a real
// SQLite file behind an in-process gRPC channel, and the real engine.
#include "worker/worker.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/objective.h"
#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/clock.h"
#include "server/coordinator.h"
#include "server/coordinator_service.h"
#include "server/storage/sqlite_storage.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"
#include "worker/task_plan.h"

namespace hpo::worker {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

// `trials` trials of `epochs` epochs each: a millisecond an epoch, or (long)
// about 10 ms.
v1::StudySpec Study(const std::string& name, int trials, int epochs, bool long_epochs = false) {
  const std::string yaml = absl::StrCat(R"yaml(
name: )yaml",
                                        name, R"yaml(
sampler: {type: random, seed: 3}
lease_seconds: 1
max_trials: )yaml",
                                        trials, R"yaml(
params:
  lr: {type: float, low: 1.0e-3, high: 1.0e-1, log: true}
task:
  dataset: {name: synthetic-regression, validation_examples: 50, train_examples: )yaml",
                                        long_epochs ? 20000 : 200, R"yaml(}
  model: {type: mlp, hidden: )yaml",
                                        long_epochs ? "[64, 64]" : "[16]", R"yaml(}
  epochs: )yaml",
                                        epochs, "\n");
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(yaml, "spec.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed->spec;
}

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto storage = server::SqliteStorage::Open(dir_.File("hpo.db"));
    ASSERT_OK(storage);
    auto coordinator = server::Coordinator::Open(*std::move(storage), &clock_);
    ASSERT_OK(coordinator);
    coordinator_ = *std::move(coordinator);
    service_ = std::make_unique<server::CoordinatorService>(coordinator_.get(), "");
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  }

  void TearDown() override { server_->Shutdown(); }

  WorkerOptions Options(const std::string& study = "") {
    WorkerOptions options;
    options.worker_id = "w1";
    options.study_name = study;
    options.exit_when_idle_s = 0.5;
    options.coordinator_address = "in-process";
    return options;
  }

  // The worker runs on a thread of its own until the test stops it.
  void Start(WorkerOptions options) {
    worker_ = std::make_unique<Worker>(channel_, std::move(options));
    thread_ = std::thread([this] { result_ = worker_->Run(stop_); });
  }

  absl::Status Join() {
    thread_.join();
    return result_;
  }

  // Polls until trial `number` of `study` reports an epoch, or 20 s pass.
  bool WaitUntilTraining(const std::string& study, int64_t number) {
    for (int i = 0; i < 400; ++i) {
      v1::ListTrialsRequest request;
      request.set_study_name(study);
      auto trials = coordinator_->ListTrials(request);
      if (trials.ok() && trials->trials_size() > number &&
          trials->trials(number).intermediate_values_size() > 0) {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::vector<v1::Trial> Trials(const std::string& study) {
    v1::ListTrialsRequest request;
    request.set_study_name(study);
    auto trials = coordinator_->ListTrials(request);
    EXPECT_OK(trials);
    return {trials->trials().begin(), trials->trials().end()};
  }

  hpo::testing::TempDir dir_;
  server::FakeClock clock_;
  std::unique_ptr<server::Coordinator> coordinator_;
  std::unique_ptr<server::CoordinatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Worker> worker_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Status result_;
};

TEST_F(WorkerTest, RunsAStudyToTheEndAndReportsEveryEpoch) {
  ASSERT_OK(coordinator_->CreateStudy(Study("s", 2, 3), false));
  Start(Options());
  ASSERT_OK(Join());  // idle once the study is done
  auto study = coordinator_->GetStudy("s");
  ASSERT_OK(study);
  EXPECT_EQ(study->state(), v1::Study::COMPLETED);
  for (const v1::Trial& trial : Trials("s")) {
    EXPECT_EQ(trial.state(), v1::Trial::COMPLETE);
    EXPECT_EQ(trial.intermediate_values_size(), 3);
    EXPECT_EQ(trial.user_attrs().at("epochs"), 3);
    EXPECT_EQ(trial.value(), trial.user_attrs().at("val_loss"));
    EXPECT_EQ(trial.worker_id(), "w1");
  }
}

TEST_F(WorkerTest, TheObjectiveMetricIsWhatIsReportedAndTheTrialsValue) {
  v1::StudySpec spec = Study("s", 2, 3);
  spec.mutable_objective()->set_metric("train_loss");
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  Start(Options());
  ASSERT_OK(Join());
  for (const v1::Trial& trial : Trials("s")) {
    ASSERT_EQ(trial.state(), v1::Trial::COMPLETE);
    EXPECT_EQ(trial.value(), trial.user_attrs().at("train_loss"));
    EXPECT_NE(trial.value(), trial.user_attrs().at("val_loss"));
    ASSERT_EQ(trial.intermediate_values_size(), 3);
    EXPECT_EQ(trial.intermediate_values(2).value(), trial.value());
  }
}

// Every metric the spec validator accepts for a task, the worker can read.
TEST(EngineMetricFieldTest, EveryEngineMetricHasAValue) {
  engine::EpochReport report{};
  report.val_loss = 1;
  report.val_accuracy = 2;
  report.train_loss = 3;
  for (const EngineMetric& metric : kEngineMetrics) {
    ASSERT_OK(EngineMetricField(metric.name)) << metric.name;
  }
  EXPECT_EQ(report.**EngineMetricField("val_loss"), 1);
  EXPECT_EQ(report.**EngineMetricField("val_accuracy"), 2);
  EXPECT_EQ(report.**EngineMetricField("train_loss"), 3);
  EXPECT_THAT(EngineMetricField("f1").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"f1\"")));
}

TEST_F(WorkerTest, AStoppedWorkerGivesItsTrialBack) {
  ASSERT_OK(coordinator_->CreateStudy(Study("s", 1, 100, /*long_epochs=*/true), false));
  Start(Options());
  ASSERT_TRUE(WaitUntilTraining("s", 0));
  stop_ = true;
  ASSERT_OK(Join());
  const std::vector<v1::Trial> trials = Trials("s");
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state(), v1::Trial::FAILED);
  EXPECT_EQ(trials[0].fail_reason(), "worker stopped");
  EXPECT_EQ(trials[1].state(), v1::Trial::WAITING);  // queued again
  EXPECT_EQ(trials[1].retry_of(), 0);
}

TEST_F(WorkerTest, AStudyStoppedMidTrialFailsItWithoutRetry) {
  ASSERT_OK(coordinator_->CreateStudy(Study("s", 3, 100, /*long_epochs=*/true), false));
  Start(Options());
  ASSERT_TRUE(WaitUntilTraining("s", 0));
  ASSERT_OK(coordinator_->StopStudy("s", /*drain=*/false));
  ASSERT_OK(Join());
  const std::vector<v1::Trial> trials = Trials("s");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state(), v1::Trial::FAILED);
  EXPECT_EQ(trials[0].fail_reason(), "study stopped");
  EXPECT_LT(trials[0].intermediate_values_size(), 100);
}

TEST_F(WorkerTest, ADrainedStudyLetsTheTrialFinish) {
  ASSERT_OK(coordinator_->CreateStudy(Study("s", 3, 30, /*long_epochs=*/true), false));
  Start(Options());
  ASSERT_TRUE(WaitUntilTraining("s", 0));
  ASSERT_OK(coordinator_->StopStudy("s", /*drain=*/true));
  ASSERT_OK(Join());
  const std::vector<v1::Trial> trials = Trials("s");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state(), v1::Trial::COMPLETE);
  EXPECT_EQ(trials[0].intermediate_values_size(), 30);
  auto study = coordinator_->GetStudy("s");
  ASSERT_OK(study);
  EXPECT_EQ(study->state(), v1::Study::STOPPED);
}

TEST_F(WorkerTest, ALostLeaseEndsTheTrialWithoutAReport) {
  ASSERT_OK(coordinator_->CreateStudy(Study("s", 1, 100, /*long_epochs=*/true), false));
  Start(Options("s"));
  ASSERT_TRUE(WaitUntilTraining("s", 0));
  // Time jumps past the lease and the reaper fails the trial: the worker's
  // next heartbeat or report finds the lease gone and it stops training.
  clock_.AdvanceMs(60'000);
  ASSERT_OK(coordinator_->ReclaimExpiredLeases());
  std::this_thread::sleep_for(1s);
  stop_ = true;
  ASSERT_OK(Join());
  const std::vector<v1::Trial> trials = Trials("s");
  ASSERT_GE(trials.size(), 1u);
  EXPECT_EQ(trials[0].state(), v1::Trial::FAILED);
  EXPECT_EQ(trials[0].fail_reason(), "lease expired");
  EXPECT_LT(trials[0].intermediate_values_size(), 100);
}

TEST_F(WorkerTest, ATaskThatCannotRunFailsItsTrialAndTheWorkerGoesOn) {
  v1::StudySpec bad = Study("bad", 1, 1);
  bad.mutable_task()->mutable_dataset()->set_name("csv");
  bad.mutable_task()->mutable_dataset()->set_path(dir_.File("missing.csv"));
  ASSERT_OK(coordinator_->CreateStudy(bad, false));
  ASSERT_OK(coordinator_->CreateStudy(Study("good", 2, 1), false));
  WorkerOptions options = Options();
  auto roots = DataRoots::Create({dir_.path()});
  ASSERT_OK(roots);
  options.data_roots = *roots;
  Start(options);
  ASSERT_OK(Join());
  const std::vector<v1::Trial> failed = Trials("bad");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].state(), v1::Trial::FAILED);
  EXPECT_THAT(failed[0].fail_reason(), HasSubstr("cannot load the data"));
  for (const v1::Trial& trial : Trials("good")) EXPECT_EQ(trial.state(), v1::Trial::COMPLETE);

  // Serving that study alone, the worker gives the trial back and says why.
  v1::StudySpec alone = bad;
  alone.set_name("alone");
  ASSERT_OK(coordinator_->CreateStudy(alone, false));
  options.study_name = "alone";
  Start(options);
  EXPECT_THAT(Join(), StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("cannot load the data of study alone")));
}

}  // namespace
}  // namespace hpo::worker
