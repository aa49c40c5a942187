#include "server/coordinator.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <limits>
#include <map>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/api_limits.h"
#include "common/search_space.h"
#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/storage/sqlite_storage.h"
#include "tests/param_values.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace hpo::server {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kTaskSpec[] = R"yaml(
name: fmnist
sampler: {type: random, seed: 11}
max_trials: 3
lease_seconds: 10
params:
  lr: {type: float, low: 1.0e-5, high: 1.0e-1, log: true}
  batch_size: {type: int, low: 32, high: 256, step: 32}
  activation: {type: categorical, choices: [relu, tanh]}
task:
  dataset: {name: synthetic-regression}
  model: {type: linear}
)yaml";

constexpr char kAskTellSpec[] = R"yaml(
name: quadratic
direction: maximize
sampler: {type: random, seed: 5}
params:
  x: {type: float, low: -10, high: 10}
)yaml";

v1::StudySpec Spec(const char* yaml) {
  auto parsed = ParseStudySpecYaml(yaml, "test.yaml");
  EXPECT_OK(parsed);
  return parsed->spec;
}

// A FakeClock that can hold one thread's reads until released. The
// coordinator reads the clock under a study's lock when it starts a trial,
// just after sampling, so a held read stands for a long suggestion.
class HoldingClock : public FakeClock {
 public:
  int64_t NowMs() override {
    if (std::this_thread::get_id() == held_.load()) {
      if (!reached_.HasBeenNotified()) reached_.Notify();
      release_.WaitForNotification();
    }
    return FakeClock::NowMs();
  }
  // Holds the calling thread's reads from now on.
  void HoldThisThread() { held_ = std::this_thread::get_id(); }
  void WaitUntilHeld() { reached_.WaitForNotification(); }
  void Release() { release_.Notify(); }

 private:
  std::atomic<std::thread::id> held_{};
  absl::Notification reached_;
  absl::Notification release_;
};

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Opens a new coordinator on the same database file, as a restart does.
  void Reopen() {
    coordinator_.reset();
    auto storage = SqliteStorage::Open(dir_.File("hpo.db"));
    ASSERT_OK(storage);
    auto coordinator = Coordinator::Open(*std::move(storage), &clock_);
    ASSERT_OK(coordinator);
    coordinator_ = *std::move(coordinator);
  }

  v1::AcquireTrialResponse Acquire(const std::string& worker = "w1") {
    v1::AcquireTrialRequest request;
    request.set_worker_id(worker);
    auto response = coordinator_->AcquireTrial(request);
    EXPECT_OK(response);
    return *response;
  }

  static v1::TrialRef Ref(const v1::AcquireTrialResponse& acquired) {
    v1::TrialRef ref;
    ref.set_study_name(acquired.trial().study_name());
    ref.set_trial_number(acquired.trial().number());
    ref.set_lease_id(acquired.lease().lease_id());
    return ref;
  }

  absl::StatusOr<v1::ListTrialsResponse> ListAll(const std::string& study) {
    v1::ListTrialsRequest request;
    request.set_study_name(study);
    return coordinator_->ListTrials(request);
  }

  absl::StatusOr<v1::Trial> Complete(const v1::TrialRef& ref, double value) {
    v1::CompleteTrialRequest request;
    *request.mutable_trial() = ref;
    request.set_value(value);
    return coordinator_->CompleteTrial(request);
  }

  // An asked trial (its lease, when asked for one, in *lease).
  absl::StatusOr<v1::Trial> Ask(const std::string& study, v1::Lease* lease = nullptr) {
    v1::AskRequest request;
    request.set_study_name(study);
    request.set_lease(lease != nullptr);
    absl::StatusOr<v1::AskResponse> response = coordinator_->Ask(request);
    if (!response.ok()) return response.status();
    if (lease != nullptr) *lease = response->lease();
    return response->trial();
  }

  absl::StatusOr<std::vector<v1::Study>> ListStudies() {
    absl::StatusOr<v1::ListStudiesResponse> response = coordinator_->ListStudies({});
    if (!response.ok()) return response.status();
    return std::vector<v1::Study>(response->studies().begin(), response->studies().end());
  }

  hpo::testing::TempDir dir_;
  HoldingClock clock_;
  std::unique_ptr<Coordinator> coordinator_;
};

TEST_F(CoordinatorTest, RefusesAnInvalidSpecNamingTheField) {
  v1::StudySpec spec = Spec(kTaskSpec);
  spec.mutable_params(0)->mutable_float_distribution()->set_low(0);
  EXPECT_THAT(coordinator_->CreateStudy(spec, false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("params.lr.low")));
  auto studies = ListStudies();
  ASSERT_OK(studies);
  EXPECT_TRUE(studies->empty());
}

TEST_F(CoordinatorTest, DrawsAndStoresASeedWhenNoneIsGiven) {
  v1::StudySpec spec = Spec(kAskTellSpec);
  spec.mutable_sampler()->clear_seed();
  auto study = coordinator_->CreateStudy(spec, false);
  ASSERT_OK(study);
  ASSERT_TRUE(study->spec().sampler().has_seed());
  Reopen();
  auto reopened = coordinator_->GetStudy("quadratic");
  ASSERT_OK(reopened);
  EXPECT_EQ(reopened->spec().sampler().seed(), study->spec().sampler().seed());
}

TEST_F(CoordinatorTest, CreateTwiceIsRefusedUnlessLoadIfExistsWithTheSameSpec) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));
  EXPECT_THAT(coordinator_->CreateStudy(Spec(kTaskSpec), false),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "study \"fmnist\" already exists (create it with load_if_exists to go "
                       "on with it)"));
  EXPECT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), true));
  v1::StudySpec changed = Spec(kTaskSpec);
  changed.set_max_trials(4);
  EXPECT_THAT(
      coordinator_->CreateStudy(changed, true),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("different spec (max_trials: 3 -> 4)")));
  // Named as the spec file names them, never as proto paths.
  changed = Spec(kTaskSpec);
  changed.mutable_params(0)->mutable_float_distribution()->set_high(0.5);
  changed.set_max_retries(1);
  EXPECT_THAT(coordinator_->CreateStudy(changed, true),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("different spec (params.lr.high: 0.1 -> 0.5 and 1 more)")));
}

TEST_F(CoordinatorTest, UpdateTakesOnlyWhatALiveStudyMayChange) {
  v1::StudySpec spec = Spec(kTaskSpec);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  spec.set_max_trials(7);
  spec.set_lease_seconds(5);
  spec.mutable_pruner()->set_type("median");
  spec.mutable_task()->mutable_dataset()->set_path("/elsewhere");
  absl::StatusOr<v1::Study> updated = coordinator_->UpdateStudy(spec);
  ASSERT_OK(updated);
  EXPECT_EQ(updated->spec().max_trials(), 7);
  EXPECT_EQ(updated->spec().pruner().type(), "median");
  EXPECT_EQ(updated->spec().task().dataset().path(), "/elsewhere");
  v1::StudySpec other = spec;
  other.mutable_task()->set_epochs(9);
  EXPECT_THAT(coordinator_->UpdateStudy(other),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("task.epochs: 3 -> 9 cannot change on a live study")));
  other = spec;
  other.mutable_sampler()->set_seed(12345);
  EXPECT_THAT(coordinator_->UpdateStudy(other),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("sampler.seed")));
  other = spec;
  other.set_lease_seconds(0.5);
  EXPECT_THAT(coordinator_->UpdateStudy(other),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lease_seconds")));
  other.set_name("nobody");
  other.set_lease_seconds(5);
  EXPECT_THAT(coordinator_->UpdateStudy(other),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nobody")));
  Reopen();
  absl::StatusOr<v1::Study> reopened = coordinator_->GetStudy("fmnist");
  ASSERT_OK(reopened);
  EXPECT_EQ(reopened->spec().max_trials(), 7);
  EXPECT_EQ(reopened->spec().lease_seconds(), 5);
}

TEST_F(CoordinatorTest, DrainStopsHandingOutAndStopsOnceNothingRuns) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));
  const v1::AcquireTrialResponse first = Acquire("w1");
  ASSERT_TRUE(first.has_trial());
  absl::StatusOr<v1::Study> draining = coordinator_->StopStudy("fmnist", /*drain=*/true);
  ASSERT_OK(draining);
  EXPECT_EQ(draining->state(), v1::Study::DRAINING);
  const v1::AcquireTrialResponse none = Acquire("w2");
  EXPECT_FALSE(none.has_trial());
  v1::TrialRef ref = Ref(first);
  auto beat = coordinator_->Heartbeat(ref);
  ASSERT_OK(beat);
  EXPECT_FALSE(beat->should_stop());  // drained trials go on
  v1::CompleteTrialRequest complete;
  *complete.mutable_trial() = ref;
  complete.set_value(0.5);
  ASSERT_OK(coordinator_->CompleteTrial(complete));
  absl::StatusOr<v1::Study> stopped = coordinator_->GetStudy("fmnist");
  ASSERT_OK(stopped);
  EXPECT_EQ(stopped->state(), v1::Study::STOPPED);
  EXPECT_EQ(stopped->trial_counts().at("COMPLETE"), 1);
  // Resumed, it hands out trials again.
  ASSERT_OK(coordinator_->ResumeStudy("fmnist"));
  const v1::AcquireTrialResponse next = Acquire("w2");
  EXPECT_TRUE(next.has_trial());
}

// A heartbeat renews its lease without its study's lock: it is answered while
// another call holds that lock to start a trial of the same study (as a long
// TPE or GP suggestion does), and the lease it renewed is the one that holds.
TEST_F(CoordinatorTest, AHeartbeatIsAnsweredWhileItsStudyStartsAnotherTrial) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));  // lease_seconds: 10
  const v1::AcquireTrialResponse first = Acquire("w1");
  ASSERT_TRUE(first.has_trial());
  std::thread starter([&] {
    clock_.HoldThisThread();
    EXPECT_TRUE(Acquire("w2").has_trial());
  });
  clock_.WaitUntilHeld();  // the starter holds the study's lock
  clock_.AdvanceMs(6000);
  const int64_t now = clock_.FakeClock::NowMs();
  auto beat = std::async(std::launch::async, [&] { return coordinator_->Heartbeat(Ref(first)); });
  const bool answered = beat.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  clock_.Release();
  starter.join();
  ASSERT_TRUE(answered) << "the heartbeat waited for the study's lock";
  absl::StatusOr<v1::HeartbeatResponse> renewed = beat.get();
  ASSERT_OK(renewed);
  EXPECT_EQ(renewed->lease_expire_time_ms(), now + 10000);
  absl::StatusOr<v1::ListTrialsResponse> trials = ListAll("fmnist");
  ASSERT_OK(trials);
  EXPECT_EQ(trials->trials(0).lease_expire_time_ms(), now + 10000);
  // Past the first lease's end (10 s after it was granted), the renewed one holds.
  clock_.AdvanceMs(6000);
  EXPECT_THAT(coordinator_->ReclaimExpiredLeases(), hpo::testing::IsOkAndHolds(0));
  ASSERT_OK(Complete(Ref(first), 0.5));
  // A finished trial's heartbeat still says why it has no lease.
  EXPECT_THAT(coordinator_->Heartbeat(Ref(first)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already COMPLETE")));
}

TEST_F(CoordinatorTest, DeleteRemovesTheStudyForGoodAndFreesItsName) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));
  const v1::AcquireTrialResponse trial = Acquire("w1");
  EXPECT_THAT(coordinator_->DeleteStudy("fmnist", /*force=*/false),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("has 1 RUNNING trial")));
  ASSERT_OK(coordinator_->DeleteStudy("fmnist", /*force=*/true));
  EXPECT_THAT(coordinator_->GetStudy("fmnist"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("fmnist")));
  // The worker's next call finds it gone.
  EXPECT_THAT(coordinator_->Heartbeat(Ref(trial)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("does not exist")));
  EXPECT_THAT(coordinator_->DeleteStudy("fmnist", false),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("fmnist")));
  Reopen();
  EXPECT_THAT(coordinator_->GetStudy("fmnist"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("fmnist")));
  absl::StatusOr<v1::Study> again = coordinator_->CreateStudy(Spec(kTaskSpec), false);
  ASSERT_OK(again);
  EXPECT_TRUE(again->trial_counts().empty() || again->trial_counts().at("RUNNING") == 0);
  const v1::AcquireTrialResponse fresh = Acquire("w1");
  EXPECT_EQ(fresh.trial().number(), 0);
}

TEST_F(CoordinatorTest, HandsOutMaxTrialsInsideTheSpaceThenCompletesTheStudy) {
  v1::StudySpec spec = Spec(kTaskSpec);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  std::vector<v1::AcquireTrialResponse> acquired;
  for (int i = 0; i < 3; ++i) {
    acquired.push_back(Acquire());
    ASSERT_TRUE(acquired.back().has_trial());
    EXPECT_EQ(acquired.back().trial().number(), i);
    EXPECT_EQ(acquired.back().trial().state(), v1::Trial::RUNNING);
    EXPECT_EQ(acquired.back().spec().name(), "fmnist");
    for (const v1::ParamSpec& param : spec.params()) {
      EXPECT_OK(CheckParamValue(param, acquired.back().trial().params().at(param.name())));
    }
  }
  v1::AcquireTrialResponse none = Acquire();
  EXPECT_FALSE(none.has_trial());
  EXPECT_GT(none.retry_after_ms(), 0);

  for (int i = 0; i < 3; ++i) ASSERT_OK(Complete(Ref(acquired[i]), 1.0 - 0.25 * i));
  auto study = coordinator_->GetStudy("fmnist");
  ASSERT_OK(study);
  EXPECT_EQ(study->state(), v1::Study::COMPLETED);
  EXPECT_EQ(study->trial_counts().at("COMPLETE"), 3);
  auto best = coordinator_->GetBestTrial("fmnist");
  ASSERT_OK(best);
  EXPECT_EQ(best->number(), 2);
  EXPECT_DOUBLE_EQ(best->value(), 0.5);
}

TEST_F(CoordinatorTest, SameSeedGivesTheSameParams) {
  v1::StudySpec a = Spec(kAskTellSpec);
  v1::StudySpec b = a;
  b.set_name("quadratic-again");
  ASSERT_OK(coordinator_->CreateStudy(a, false));
  ASSERT_OK(coordinator_->CreateStudy(b, false));
  for (int i = 0; i < 5; ++i) {
    auto x = Ask("quadratic");
    auto y = Ask("quadratic-again");
    ASSERT_OK(x);
    ASSERT_OK(y);
    EXPECT_TRUE(MessageDifferencer::Equals(x->params().at("x"), y->params().at("x")));
  }
}

TEST_F(CoordinatorTest, RejectsWrongLeaseNonFiniteValuesAndFinishedTrials) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));
  v1::TrialRef ref = Ref(Acquire());
  v1::TrialRef stolen = ref;
  stolen.set_lease_id("not-the-lease");
  EXPECT_THAT(Complete(stolen, 1.0),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("lease lost")));
  EXPECT_THAT(Complete(ref, std::nan("")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("value: must be finite")));
  v1::ReportIntermediateRequest report;
  *report.mutable_trial() = ref;
  report.set_step(1);
  report.set_value(INFINITY);
  EXPECT_THAT(coordinator_->ReportIntermediate(report),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("value")));
  ASSERT_OK(Complete(ref, 1.0));
  EXPECT_THAT(Complete(ref, 2.0),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already COMPLETE")));
  v1::TrialRef missing = ref;
  missing.set_trial_number(99);
  EXPECT_THAT(Complete(missing, 1.0),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("trial 99")));
  missing.set_study_name("nope");
  EXPECT_THAT(Complete(missing, 1.0), StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
}

TEST_F(CoordinatorTest, ExpiredLeaseFailsTheTrialAndTheWorkerLearnsItLostIt) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));
  v1::TrialRef ref = Ref(Acquire());
  clock_.AdvanceMs(9000);
  ASSERT_OK(coordinator_->Heartbeat(ref));  // extends to 19 s
  clock_.AdvanceMs(9000);
  auto reclaimed = coordinator_->ReclaimExpiredLeases();
  ASSERT_OK(reclaimed);
  EXPECT_EQ(*reclaimed, 0);
  clock_.AdvanceMs(2000);
  reclaimed = coordinator_->ReclaimExpiredLeases();
  ASSERT_OK(reclaimed);
  EXPECT_EQ(*reclaimed, 1);
  EXPECT_THAT(coordinator_->Heartbeat(ref),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("lease expired")));
  auto trials = ListAll("fmnist");
  ASSERT_OK(trials);
  EXPECT_EQ(trials->trials(0).state(), v1::Trial::FAILED);
  EXPECT_EQ(trials->trials(0).fail_reason(), "lease expired");
}

TEST_F(CoordinatorTest, AnExpiredTrialIsRetriedWithItsParamsUpToMaxRetries) {
  v1::StudySpec spec = Spec(kTaskSpec);
  spec.set_max_trials(1);
  spec.set_max_retries(2);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  v1::AcquireTrialResponse first = Acquire("w1");
  auto list = [&] {
    auto response = ListAll("fmnist");
    EXPECT_OK(response);
    return std::vector<v1::Trial>(response->trials().begin(), response->trials().end());
  };
  // The worker dies twice; each time its trial fails and a linked retry waits.
  v1::AcquireTrialResponse current = first;
  for (int retry = 1; retry <= 2; ++retry) {
    clock_.AdvanceMs(11'000);
    ASSERT_OK(coordinator_->ReclaimExpiredLeases());
    std::vector<v1::Trial> trials = list();
    ASSERT_EQ(trials.size(), static_cast<size_t>(retry + 1));
    EXPECT_EQ(trials[retry - 1].state(), v1::Trial::FAILED);
    EXPECT_EQ(trials[retry].state(), v1::Trial::WAITING);
    EXPECT_EQ(trials[retry].retry_of(), retry - 1);
    if (retry == 1) Reopen();  // the queue of retries survives a restart
    current = Acquire("w2");
    ASSERT_TRUE(current.has_trial());
    EXPECT_EQ(current.trial().number(), retry);
    EXPECT_EQ(current.trial().state(), v1::Trial::RUNNING);
    EXPECT_EQ(current.trial().worker_id(), "w2");
    for (const auto& [name, value] : first.trial().params()) {
      EXPECT_TRUE(MessageDifferencer::Equals(current.trial().params().at(name), value)) << name;
    }
    EXPECT_NE(current.lease().lease_id(), first.lease().lease_id());
  }
  // The second retry is the last: when it expires too, nothing is queued and
  // the study is over (its one sampled trial has run out of retries).
  clock_.AdvanceMs(11'000);
  ASSERT_OK(coordinator_->ReclaimExpiredLeases());
  std::vector<v1::Trial> trials = list();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[2].state(), v1::Trial::FAILED);
  EXPECT_FALSE(Acquire().has_trial());
  EXPECT_EQ(coordinator_->GetStudy("fmnist")->state(), v1::Study::COMPLETED);
}

TEST_F(CoordinatorTest, AFailureWithRetryQueuesTheSameParamsAgain) {
  v1::StudySpec spec = Spec(kTaskSpec);
  spec.set_max_trials(1);
  spec.set_max_retries(1);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  // A worker that is stopping gives its trial back.
  v1::AcquireTrialResponse first = Acquire("w1");
  v1::FailTrialRequest fail;
  *fail.mutable_trial() = Ref(first);
  fail.set_reason("worker stopped");
  fail.set_retry(true);
  auto failed = coordinator_->FailTrial(fail);
  ASSERT_OK(failed);
  EXPECT_EQ(failed->state(), v1::Trial::FAILED);
  EXPECT_EQ(failed->fail_reason(), "worker stopped");
  v1::AcquireTrialResponse retried = Acquire("w2");
  ASSERT_TRUE(retried.has_trial());
  EXPECT_EQ(retried.trial().number(), 1);
  EXPECT_EQ(retried.trial().retry_of(), 0);
  for (const auto& [name, value] : first.trial().params()) {
    EXPECT_TRUE(MessageDifferencer::Equals(retried.trial().params().at(name), value)) << name;
  }
  // max_retries bounds the chain.
  *fail.mutable_trial() = Ref(retried);
  ASSERT_OK(coordinator_->FailTrial(fail));
  EXPECT_FALSE(Acquire().has_trial());
  EXPECT_EQ(coordinator_->GetStudy("fmnist")->state(), v1::Study::COMPLETED);
}

TEST_F(CoordinatorTest, RestartKeepsResultsAndReArmsRunningLeases) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));
  v1::TrialRef done = Ref(Acquire());
  v1::TrialRef running = Ref(Acquire());
  v1::ReportIntermediateRequest report;
  *report.mutable_trial() = running;
  report.set_step(1);
  report.set_value(0.9);
  ASSERT_OK(coordinator_->ReportIntermediate(report));
  ASSERT_OK(Complete(done, 0.25));

  clock_.AdvanceMs(60'000);  // the coordinator was down for a minute
  Reopen();
  ASSERT_OK(coordinator_->ReclaimExpiredLeases());
  // The worker that held `running` carries on under its old lease.
  ASSERT_OK(coordinator_->Heartbeat(running));
  ASSERT_OK(Complete(running, 0.5));
  auto trials = ListAll("fmnist");
  ASSERT_OK(trials);
  ASSERT_EQ(trials->trials_size(), 2);
  EXPECT_EQ(trials->trials(0).state(), v1::Trial::COMPLETE);
  EXPECT_DOUBLE_EQ(trials->trials(0).value(), 0.25);
  EXPECT_EQ(trials->trials(1).state(), v1::Trial::COMPLETE);
  ASSERT_EQ(trials->trials(1).intermediate_values_size(), 1);
  EXPECT_DOUBLE_EQ(trials->trials(1).intermediate_values(0).value(), 0.9);
  // New trials continue the numbering.
  EXPECT_EQ(Acquire().trial().number(), 2);
}

TEST_F(CoordinatorTest, ASecondReportForAStepIsIgnoredAndSaysSo) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));
  v1::ReportIntermediateRequest report;
  *report.mutable_trial() = Ref(Acquire());
  report.set_step(1);
  report.set_value(0.9);
  auto first = coordinator_->ReportIntermediate(report);
  ASSERT_OK(first);
  EXPECT_FALSE(first->ignored());
  report.set_value(0.1);
  auto second = coordinator_->ReportIntermediate(report);
  ASSERT_OK(second);
  EXPECT_TRUE(second->ignored());
  EXPECT_DOUBLE_EQ(second->recorded_value(), 0.9);
  auto trials = ListAll("fmnist");
  ASSERT_OK(trials);
  ASSERT_EQ(trials->trials(0).intermediate_values_size(), 1);
  EXPECT_DOUBLE_EQ(trials->trials(0).intermediate_values(0).value(), 0.9);
}

TEST_F(CoordinatorTest, AskTellFollowsTheDirection) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kAskTellSpec), false));
  for (double value : {1.0, 3.0, 2.0}) {
    auto trial = Ask("quadratic");
    ASSERT_OK(trial);
    EXPECT_EQ(trial->lease_expire_time_ms(), 0);
    v1::TellRequest tell;
    tell.set_study_name("quadratic");
    tell.set_trial_number(trial->number());
    tell.set_value(value);
    ASSERT_OK(coordinator_->Tell(tell));
  }
  auto best = coordinator_->GetBestTrial("quadratic");
  ASSERT_OK(best);
  EXPECT_DOUBLE_EQ(best->value(), 3.0);  // maximize

  auto asked = Ask("quadratic");
  ASSERT_OK(asked);
  v1::TellRequest tell;
  tell.set_study_name("quadratic");
  tell.set_trial_number(asked->number());
  EXPECT_THAT(coordinator_->Tell(tell),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("value: required")));
  tell.set_state(v1::Trial::FAILED);
  auto failed = coordinator_->Tell(tell);
  ASSERT_OK(failed);
  EXPECT_EQ(failed->state(), v1::Trial::FAILED);
  EXPECT_THAT(coordinator_->Tell(tell),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already FAILED")));
}

TEST_F(CoordinatorTest, AskPastMaxTrialsNamesTheTrialsStillRunning) {
  v1::StudySpec spec = Spec(kAskTellSpec);
  spec.set_max_trials(3);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  for (int i = 0; i < 3; ++i) ASSERT_OK(Ask("quadratic"));
  v1::TellRequest tell;
  tell.set_study_name("quadratic");
  tell.set_trial_number(1);
  tell.set_value(1.0);
  ASSERT_OK(coordinator_->Tell(tell));
  // Asked trials hold no lease: the two never told keep the study open.
  EXPECT_THAT(Ask("quadratic"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("has reached max_trials (3); it completes when its 2 RUNNING "
                                 "trials (0, 2) finish")));
}

TEST_F(CoordinatorTest, BestTrialOfAStudyWithoutACompleteTrialSaysWhetherOneMayCome) {
  v1::StudySpec spec = Spec(kAskTellSpec);
  spec.set_max_trials(1);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  EXPECT_THAT(coordinator_->GetBestTrial("quadratic"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("has no COMPLETE trial yet")));
  ASSERT_OK(Ask("quadratic"));
  v1::TellRequest tell;
  tell.set_study_name("quadratic");
  tell.set_trial_number(0);
  tell.set_state(v1::Trial::FAILED);
  ASSERT_OK(coordinator_->Tell(tell));
  EXPECT_THAT(coordinator_->GetBestTrial("quadratic"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("is COMPLETED and none of its 1 trials is COMPLETE")));
}

TEST_F(CoordinatorTest, APrunedReportEndsTheTrialAtOnceAndSurvivesARestart) {
  v1::StudySpec spec = Spec(kAskTellSpec);
  spec.set_direction(v1::MINIMIZE);
  spec.mutable_pruner()->set_type("asha");
  spec.mutable_pruner()->set_reduction_factor(2);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  auto report = [&](int64_t number, int64_t step, double value) {
    v1::ReportIntermediateRequest request;
    request.mutable_trial()->set_study_name("quadratic");
    request.mutable_trial()->set_trial_number(number);
    request.set_step(step);
    request.set_value(value);
    return coordinator_->ReportIntermediate(request);
  };
  ASSERT_OK(Ask("quadratic"));
  ASSERT_OK(Ask("quadratic"));
  auto first = report(0, 1, 0.5);
  ASSERT_OK(first);
  EXPECT_FALSE(first->should_prune());
  auto second = report(1, 1, 0.9);  // worse than the only other trial at rung 1
  ASSERT_OK(second);
  EXPECT_TRUE(second->should_prune());

  Reopen();
  auto trials = ListAll("quadratic");
  ASSERT_OK(trials);
  EXPECT_EQ(trials->trials(0).state(), v1::Trial::RUNNING);
  EXPECT_EQ(trials->trials(1).state(), v1::Trial::PRUNED);
  EXPECT_DOUBLE_EQ(trials->trials(1).value(), 0.9);
  EXPECT_EQ(coordinator_->GetStudy("quadratic")->trial_counts().at("PRUNED"), 1);

  // Telling PRUNED afterwards, as an Optuna-style loop does, is fine; anything
  // else is refused.
  v1::TellRequest tell;
  tell.set_study_name("quadratic");
  tell.set_trial_number(1);
  tell.set_state(v1::Trial::PRUNED);
  EXPECT_OK(coordinator_->Tell(tell));
  tell.set_state(v1::Trial::COMPLETE);
  tell.set_value(0.1);
  EXPECT_THAT(coordinator_->Tell(tell),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already PRUNED")));
  EXPECT_THAT(report(1, 2, 0.1),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already PRUNED")));
}

TEST_F(CoordinatorTest, WorkersOnlyGetStudiesWithATask) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kAskTellSpec), false));
  EXPECT_FALSE(Acquire().has_trial());
  v1::AcquireTrialRequest request;
  EXPECT_THAT(coordinator_->AcquireTrial(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("worker_id")));
}

TEST_F(CoordinatorTest, ListTrialsPages) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kAskTellSpec), false));
  for (int i = 0; i < 5; ++i) ASSERT_OK(Ask("quadratic"));
  v1::ListTrialsRequest request;
  request.set_study_name("quadratic");
  request.set_page_size(2);
  std::vector<int64_t> numbers;
  do {
    auto page = coordinator_->ListTrials(request);
    ASSERT_OK(page);
    EXPECT_LE(page->trials_size(), 2);
    for (const v1::Trial& trial : page->trials()) numbers.push_back(trial.number());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(numbers, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  request.set_page_token("garbage");
  EXPECT_THAT(coordinator_->ListTrials(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));

  // start_number skips the trials before it; the pages go on from there.
  request.clear_page_token();
  request.set_start_number(3);
  auto from_three = coordinator_->ListTrials(request);
  ASSERT_OK(from_three);
  ASSERT_EQ(from_three->trials_size(), 2);
  EXPECT_EQ(from_three->trials(0).number(), 3);
  EXPECT_TRUE(from_three->next_page_token().empty());
  request.set_start_number(9);
  auto past_the_end = coordinator_->ListTrials(request);
  ASSERT_OK(past_the_end);
  EXPECT_EQ(past_the_end->trials_size(), 0);
  request.set_start_number(-1);
  EXPECT_THAT(coordinator_->ListTrials(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("start_number")));
}

// The summary's counts, best trial and attribute names are kept as trials
// change, not recomputed; they must agree with the trials, also after a restart.
TEST_F(CoordinatorTest, SummaryCountsBestTrialAndAttributesFollowEveryChange) {
  v1::StudySpec spec = Spec(kAskTellSpec);
  spec.set_direction(v1::MINIMIZE);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  auto tell = [&](int64_t number, v1::Trial::State state, std::optional<double> value,
                  const std::string& attr) {
    v1::TellRequest request;
    request.set_study_name("quadratic");
    request.set_trial_number(number);
    request.set_state(state);
    if (value.has_value()) request.set_value(*value);
    if (!attr.empty()) (*request.mutable_user_attrs())[attr] = 1;
    ASSERT_OK(coordinator_->Tell(request));
  };
  for (int i = 0; i < 6; ++i) ASSERT_OK(Ask("quadratic"));
  tell(3, v1::Trial::COMPLETE, 2.0, "b_attr");
  tell(1, v1::Trial::COMPLETE, 2.0, "a_attr");  // ties with 3: the lower number is best
  tell(4, v1::Trial::FAILED, std::nullopt, "");
  tell(0, v1::Trial::PRUNED, 0.5, "");          // a better value, but not COMPLETE
  tell(5, v1::Trial::COMPLETE, 7.0, "a_attr");

  for (int restart = 0; restart < 2; ++restart) {
    auto study = coordinator_->GetStudy("quadratic");
    ASSERT_OK(study);
    EXPECT_EQ(study->trial_counts().at("COMPLETE"), 3);
    EXPECT_EQ(study->trial_counts().at("RUNNING"), 1);
    EXPECT_EQ(study->trial_counts().at("FAILED"), 1);
    EXPECT_EQ(study->trial_counts().at("PRUNED"), 1);
    EXPECT_EQ(study->trial_counts().count("WAITING"), 0u);
    ASSERT_TRUE(study->has_best_trial());
    EXPECT_EQ(study->best_trial().number(), 1);
    EXPECT_THAT(study->user_attr_names(), ::testing::ElementsAre("a_attr", "b_attr"));
    auto best = coordinator_->GetBestTrial("quadratic");
    ASSERT_OK(best);
    EXPECT_EQ(best->number(), 1);
    Reopen();
  }
}

// A study's task that cannot run (its data does not load, its model does not
// fit) pauses the study after a few trials, with the reason; the owner
// resumes it once fixed. A COMPLETE trial in between starts the count again.
TEST_F(CoordinatorTest, TaskErrorsInARowPauseTheStudyUntilResumed) {
  v1::StudySpec spec = Spec(kTaskSpec);
  spec.set_max_trials(0);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  spec.set_name("other");
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  v1::AcquireTrialRequest only_fmnist;
  only_fmnist.set_worker_id("w1");
  only_fmnist.set_study_name("fmnist");
  auto fail_fmnist = [&] {
    auto acquired = coordinator_->AcquireTrial(only_fmnist);
    ASSERT_OK(acquired);
    ASSERT_TRUE(acquired->has_trial());
    v1::FailTrialRequest request;
    *request.mutable_trial() = Ref(*acquired);
    request.set_reason("cannot load the data: data.csv: no such file");
    request.set_task_error(true);
    ASSERT_OK(coordinator_->FailTrial(request));
  };
  fail_fmnist();
  fail_fmnist();
  EXPECT_EQ(coordinator_->GetStudy("fmnist")->state(), v1::Study::RUNNING);
  fail_fmnist();
  auto paused = coordinator_->GetStudy("fmnist");
  ASSERT_OK(paused);
  EXPECT_EQ(paused->state(), v1::Study::PAUSED);
  EXPECT_THAT(paused->state_reason(),
              HasSubstr("3 trials in a row could not run; the last: cannot load the data"));
  // Paused: no more trials of it; the other study goes on.
  EXPECT_FALSE(coordinator_->AcquireTrial(only_fmnist)->has_trial());
  EXPECT_EQ(Acquire().trial().study_name(), "other");
  // The state and its reason survive a restart.
  Reopen();
  EXPECT_EQ(coordinator_->GetStudy("fmnist")->state_reason(), paused->state_reason());
  auto resumed = coordinator_->ResumeStudy("fmnist");
  ASSERT_OK(resumed);
  EXPECT_EQ(resumed->state(), v1::Study::RUNNING);
  EXPECT_EQ(resumed->state_reason(), "");
  auto acquired = coordinator_->AcquireTrial(only_fmnist);
  ASSERT_OK(acquired);
  ASSERT_TRUE(acquired->has_trial());
  EXPECT_EQ(acquired->trial().study_name(), "fmnist");
}

TEST_F(CoordinatorTest, ACompleteTrialOrPlainFailuresDoNotPause) {
  v1::StudySpec spec = Spec(kTaskSpec);
  spec.set_max_trials(0);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 2; ++i) {
      v1::FailTrialRequest request;
      *request.mutable_trial() = Ref(Acquire());
      request.set_task_error(true);
      ASSERT_OK(coordinator_->FailTrial(request));
    }
    v1::FailTrialRequest diverged;
    *diverged.mutable_trial() = Ref(Acquire());
    diverged.set_reason("the loss is not finite");
    ASSERT_OK(coordinator_->FailTrial(diverged));  // training failed: not a task error
    ASSERT_OK(Complete(Ref(Acquire()), 1.0));
  }
  EXPECT_EQ(coordinator_->GetStudy("fmnist")->state(), v1::Study::RUNNING);
  EXPECT_THAT(coordinator_->ResumeStudy("missing"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
}

// One endless study must not starve the others: AcquireTrial serves the
// running studies in turn, not in name order.
TEST_F(CoordinatorTest, WorkersAreSharedInTurnAmongRunningStudies) {
  for (const char* name : {"a", "b", "c"}) {
    v1::StudySpec spec = Spec(kTaskSpec);
    spec.set_name(name);
    spec.set_max_trials(0);
    ASSERT_OK(coordinator_->CreateStudy(spec, false));
  }
  std::map<std::string, int> served;
  for (int i = 0; i < 9; ++i) ++served[Acquire().trial().study_name()];
  EXPECT_EQ(served, (std::map<std::string, int>{{"a", 3}, {"b", 3}, {"c", 3}}));
}

// An asked trial may hold a lease: kept by heartbeats and reports, lost when
// its client dies, then failed and retried; the retry goes to the next Ask,
// so even an ask/tell study never keeps a WAITING trial that nothing takes.
TEST_F(CoordinatorTest, ALeasedAskedTrialIsReclaimedAndItsRetryAsked) {
  v1::StudySpec spec = Spec(kAskTellSpec);
  spec.set_lease_seconds(5);
  spec.set_max_trials(2);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  v1::Lease lease;
  auto asked = Ask("quadratic", &lease);
  ASSERT_OK(asked);
  ASSERT_FALSE(lease.lease_id().empty());
  EXPECT_EQ(lease.expire_time_ms(), clock_.NowMs() + 5000);
  v1::TrialRef ref;
  ref.set_study_name("quadratic");
  ref.set_trial_number(asked->number());
  ref.set_lease_id(lease.lease_id());
  clock_.AdvanceMs(4000);
  ASSERT_OK(coordinator_->Heartbeat(ref));
  clock_.AdvanceMs(4000);
  v1::ReportIntermediateRequest report;
  *report.mutable_trial() = ref;
  report.set_step(1);
  report.set_value(0.5);
  ASSERT_OK(coordinator_->ReportIntermediate(report));  // keeps the lease too
  clock_.AdvanceMs(4000);
  EXPECT_EQ(*coordinator_->ReclaimExpiredLeases(), 0);
  // Telling needs the lease_id.
  v1::TellRequest tell;
  tell.set_study_name("quadratic");
  tell.set_trial_number(asked->number());
  tell.set_value(1.0);
  EXPECT_THAT(coordinator_->Tell(tell),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("needs its lease_id")));
  // The client dies.
  clock_.AdvanceMs(5001);
  EXPECT_EQ(*coordinator_->ReclaimExpiredLeases(), 1);
  auto trials = ListAll("quadratic");
  ASSERT_OK(trials);
  ASSERT_EQ(trials->trials_size(), 2);
  EXPECT_EQ(trials->trials(0).state(), v1::Trial::FAILED);
  EXPECT_EQ(trials->trials(0).fail_reason(), "lease expired");
  EXPECT_EQ(trials->trials(1).state(), v1::Trial::WAITING);
  tell.set_lease_id(lease.lease_id());
  EXPECT_THAT(coordinator_->Tell(tell),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already FAILED")));
  auto retry = Ask("quadratic");
  ASSERT_OK(retry);
  EXPECT_EQ(retry->number(), 1);
  EXPECT_EQ(retry->retry_of(), 0);
  EXPECT_TRUE(MessageDifferencer::Equals(retry->params().at("x"), asked->params().at("x")));
  tell.set_trial_number(1);
  tell.clear_lease_id();
  ASSERT_OK(coordinator_->Tell(tell));
  ASSERT_OK(Ask("quadratic"));  // the second of max_trials: a retry did not count
}

// After a restart, a RUNNING trial's lease lasts at least restart_grace_ms,
// so a worker with a short lease has time to find the coordinator again.
TEST_F(CoordinatorTest, ARestartGivesRunningTrialsTimeToReconnect) {
  v1::StudySpec spec = Spec(kTaskSpec);
  spec.set_lease_seconds(2);
  ASSERT_OK(coordinator_->CreateStudy(spec, false));
  v1::TrialRef ref = Ref(Acquire());
  Reopen();
  clock_.AdvanceMs(2900);
  EXPECT_EQ(*coordinator_->ReclaimExpiredLeases(), 0);
  ASSERT_OK(Complete(ref, 0.5));
}

// Every string and count a call may make the coordinator keep is bounded,
// and refused naming the field.
TEST_F(CoordinatorTest, RefusesWhatItWouldNotStore) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));
  v1::AcquireTrialRequest acquire;
  acquire.set_worker_id(std::string(kMaxWorkerIdBytes + 1, 'w'));
  EXPECT_THAT(coordinator_->AcquireTrial(acquire),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("worker_id: at most")));
  v1::TrialRef ref = Ref(Acquire());

  v1::FailTrialRequest fail;
  *fail.mutable_trial() = ref;
  fail.set_reason(std::string(kMaxFailReasonBytes + 1, 'r'));
  EXPECT_THAT(coordinator_->FailTrial(fail),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reason: at most")));

  v1::CompleteTrialRequest complete;
  *complete.mutable_trial() = ref;
  complete.set_value(1.0);
  (*complete.mutable_user_attrs())["nan"] = std::nan("");
  EXPECT_THAT(coordinator_->CompleteTrial(complete),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user_attrs[\"nan\"]")));
  complete.clear_user_attrs();
  (*complete.mutable_user_attrs())[std::string(kMaxUserAttrNameBytes + 1, 'n')] = 1;
  EXPECT_THAT(coordinator_->CompleteTrial(complete),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user_attrs: a name")));
  complete.clear_user_attrs();
  for (int i = 0; i <= kMaxUserAttrsPerTrial; ++i) {
    (*complete.mutable_user_attrs())[absl::StrCat("a", i)] = i;
  }
  EXPECT_THAT(coordinator_->CompleteTrial(complete),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("per trial")));

  v1::TrialRef long_lease = ref;
  long_lease.set_lease_id(std::string(1 << 20, 'x'));
  EXPECT_THAT(coordinator_->Heartbeat(long_lease),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trial.lease_id: at most")));
  EXPECT_THAT(coordinator_->GetStudy(std::string(1 << 20, 's')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("study_name: at most")));

  // Extreme page positions neither overflow nor fail.
  v1::ListTrialsRequest list;
  list.set_study_name("fmnist");
  list.set_start_number(std::numeric_limits<int64_t>::max());
  list.set_page_size(10000);
  auto page = coordinator_->ListTrials(list);
  ASSERT_OK(page);
  EXPECT_EQ(page->trials_size(), 0);
  list.set_start_number(0);
  list.set_page_token(absl::StrCat(std::numeric_limits<int64_t>::max()));
  ASSERT_OK(coordinator_->ListTrials(list));
  list.set_page_token(std::string(1000, '1'));
  EXPECT_THAT(coordinator_->ListTrials(list),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

// A study's distinct user attribute names are bounded in all, so no study can
// make its summary (and so every user's study list) grow without end.
TEST_F(CoordinatorTest, BoundsTheUserAttributeNamesOfAStudy) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kAskTellSpec), false));
  int told = 0;
  absl::Status status;
  while (status.ok() && told <= kMaxUserAttrNamesPerStudy) {
    auto trial = Ask("quadratic");
    ASSERT_OK(trial);
    v1::TellRequest tell;
    tell.set_study_name("quadratic");
    tell.set_trial_number(trial->number());
    tell.set_value(1.0);
    for (int i = 0; i < kMaxUserAttrsPerTrial; ++i) {
      (*tell.mutable_user_attrs())[absl::StrCat("attr", told * kMaxUserAttrsPerTrial + i)] = i;
    }
    status = coordinator_->Tell(tell).status();
    if (status.ok()) ++told;
  }
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("in all")));
  EXPECT_LE(coordinator_->GetStudy("quadratic")->user_attr_names_size(), kMaxUserAttrNamesPerStudy);
}

// Pages are cut short by size as well as count, so no study can make another
// user's study list or trial listing exceed what a client can receive.
TEST_F(CoordinatorTest, PagesAreBoundedInBytes) {
  coordinator_.reset();
  auto storage = SqliteStorage::Open(dir_.File("small-pages.db"));
  ASSERT_OK(storage);
  CoordinatorOptions options;
  options.max_page_bytes = 2000;
  auto coordinator = Coordinator::Open(*std::move(storage), &clock_, options);
  ASSERT_OK(coordinator);
  coordinator_ = *std::move(coordinator);
  for (int i = 0; i < 30; ++i) {
    v1::StudySpec spec = Spec(kAskTellSpec);
    spec.set_name(absl::StrCat("study-", i < 10 ? "0" : "", i));
    ASSERT_OK(coordinator_->CreateStudy(spec, false));
  }
  for (int i = 0; i < 40; ++i) {
    auto trial = Ask("study-00");
    ASSERT_OK(trial);
    v1::TellRequest tell;
    tell.set_study_name("study-00");
    tell.set_trial_number(trial->number());
    tell.set_value(i);
    tell.set_state(v1::Trial::FAILED);
    tell.set_fail_reason(std::string(300, 'f'));
    ASSERT_OK(coordinator_->Tell(tell));
  }
  std::vector<std::string> names;
  v1::ListStudiesRequest studies;
  int pages = 0;
  do {
    auto page = coordinator_->ListStudies(studies);
    ASSERT_OK(page);
    ++pages;
    EXPECT_LE(page->ByteSizeLong(), 2000u + 1000u);
    for (const v1::Study& study : page->studies()) names.push_back(study.spec().name());
    studies.set_page_token(page->next_page_token());
  } while (!studies.page_token().empty());
  EXPECT_EQ(names.size(), 30u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_GT(pages, 1);

  std::vector<int64_t> numbers;
  v1::ListTrialsRequest trials;
  trials.set_study_name("study-00");
  do {
    auto page = coordinator_->ListTrials(trials);
    ASSERT_OK(page);
    EXPECT_LE(page->ByteSizeLong(), 2000u + 1000u);
    for (const v1::Trial& trial : page->trials()) numbers.push_back(trial.number());
    trials.set_page_token(page->next_page_token());
  } while (!trials.page_token().empty());
  ASSERT_EQ(numbers.size(), 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(numbers[i], i);
  EXPECT_THAT(coordinator_->ListStudies([] {
    v1::ListStudiesRequest r;
    r.set_page_size(1001);
    return r;
  }()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
}

}  // namespace
}  // namespace hpo::server

namespace hpo::server {
namespace {

using ::hpo::testing::Cat;
using ::hpo::testing::Float;
using ::hpo::testing::Int;

v1::EnqueueTrialRequest Enqueued(const std::string& study,
                                 const std::map<std::string, v1::ParamValue>& params) {
  v1::EnqueueTrialRequest request;
  request.set_study_name(study);
  for (const auto& [name, value] : params) (*request.mutable_params())[name] = value;
  return request;
}

TEST_F(CoordinatorTest, EnqueuedTrialsGoFirstKeepTheirParamsAndSurviveARestart) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));  // max_trials 3
  auto full = coordinator_->EnqueueTrial(Enqueued(
      "fmnist", {{"lr", Float(0.01)}, {"batch_size", Int(64)}, {"activation", Cat("tanh")}}));
  ASSERT_OK(full);
  EXPECT_EQ(full->state(), v1::Trial::WAITING);
  ASSERT_OK(coordinator_->EnqueueTrial(Enqueued("fmnist", {{"batch_size", Int(128)}})));
  Reopen();  // stored: both still waiting, in order

  v1::AcquireTrialResponse first = Acquire();
  EXPECT_EQ(first.trial().number(), 0);
  EXPECT_EQ(first.trial().params().at("lr").float_value(), 0.01);
  EXPECT_EQ(first.trial().params().at("activation").categorical_value(), "tanh");
  v1::AcquireTrialResponse second = Acquire();
  EXPECT_EQ(second.trial().number(), 1);
  EXPECT_EQ(second.trial().params().at("batch_size").int_value(), 128);
  ASSERT_EQ(second.trial().params_size(), 3);  // lr and activation sampled at hand-out
  const v1::StudySpec spec = Spec(kTaskSpec);
  for (const auto& [name, value] : second.trial().params()) {
    for (const v1::ParamSpec& param : spec.params()) {
      if (param.name() == name) {
        EXPECT_OK(CheckParamValue(param, value)) << name;
      }
    }
  }
  // Enqueued trials count towards max_trials: one sampled trial is left.
  ASSERT_OK(coordinator_->EnqueueTrial(Enqueued("fmnist", {})));
  EXPECT_THAT(coordinator_->EnqueueTrial(Enqueued("fmnist", {})),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("max_trials (3)")));
}

TEST_F(CoordinatorTest, EnqueueChecksParamsAgainstTheSpace) {
  ASSERT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), false));
  EXPECT_THAT(coordinator_->EnqueueTrial(Enqueued("fmnist", {{"momentum", Float(0.9)}})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "params: \"momentum\" is not a parameter of study \"fmnist\""));
  EXPECT_THAT(coordinator_->EnqueueTrial(Enqueued("fmnist", {{"batch_size", Int(33)}})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("params.batch_size: ")));
  EXPECT_THAT(coordinator_->EnqueueTrial(Enqueued("fmnist", {{"lr", Int(1)}})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("params.lr: ")));
  EXPECT_THAT(coordinator_->EnqueueTrial(Enqueued("fmnist", {{"activation", Cat("gelu")}})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("params.activation: ")));
  EXPECT_THAT(coordinator_->EnqueueTrial(Enqueued("nope", {})),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  auto trials = ListAll("fmnist");
  ASSERT_OK(trials);
  EXPECT_EQ(trials->trials_size(), 0);  // nothing was stored
}

}  // namespace
}  // namespace hpo::server
