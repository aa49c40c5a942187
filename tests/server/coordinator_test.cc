#include "server/coordinator.h"

#include <cmath>
#include <optional>

#include "common/search_space.h"
#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/storage/sqlite_storage.h"
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

  hpo::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Coordinator> coordinator_;
};

TEST_F(CoordinatorTest, RefusesAnInvalidSpecNamingTheField) {
  v1::StudySpec spec = Spec(kTaskSpec);
  spec.mutable_params(0)->mutable_float_distribution()->set_low(0);
  EXPECT_THAT(coordinator_->CreateStudy(spec, false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("params.lr.low")));
  auto studies = coordinator_->ListStudies();
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
                       HasSubstr("study \"fmnist\" already exists (create it with "
                                 "load_if_exists, hpo study create --load-if-exists")));
  EXPECT_OK(coordinator_->CreateStudy(Spec(kTaskSpec), true));
  v1::StudySpec changed = Spec(kTaskSpec);
  changed.set_max_trials(4);
  EXPECT_THAT(coordinator_->CreateStudy(changed, true),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("different spec (modified: max_trials: 3 -> 4)")));
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
    auto x = coordinator_->Ask("quadratic");
    auto y = coordinator_->Ask("quadratic-again");
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
    auto trial = coordinator_->Ask("quadratic");
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

  auto asked = coordinator_->Ask("quadratic");
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
  for (int i = 0; i < 3; ++i) ASSERT_OK(coordinator_->Ask("quadratic"));
  v1::TellRequest tell;
  tell.set_study_name("quadratic");
  tell.set_trial_number(1);
  tell.set_value(1.0);
  ASSERT_OK(coordinator_->Tell(tell));
  // Asked trials hold no lease: the two never told keep the study open.
  EXPECT_THAT(coordinator_->Ask("quadratic"),
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
  ASSERT_OK(coordinator_->Ask("quadratic"));
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
  ASSERT_OK(coordinator_->Ask("quadratic"));
  ASSERT_OK(coordinator_->Ask("quadratic"));
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
  for (int i = 0; i < 5; ++i) ASSERT_OK(coordinator_->Ask("quadratic"));
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
  for (int i = 0; i < 6; ++i) ASSERT_OK(coordinator_->Ask("quadratic"));
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

}  // namespace
}  // namespace hpo::server
