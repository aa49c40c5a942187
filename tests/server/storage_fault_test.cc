// A disk that fills up: every write through this Storage fails while `full`
// is set. The coordinator must answer UNAVAILABLE, keep its memory as it was,
// and carry on once space is back, with nothing half-written in the file.
#include <atomic>

#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/coordinator.h"
#include "server/storage/sqlite_storage.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace hpo::server {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

class FullDiskStorage : public Storage {
 public:
  FullDiskStorage(std::unique_ptr<Storage> inner, const std::atomic<bool>* full)
      : inner_(std::move(inner)), full_(full) {}

  absl::StatusOr<std::vector<StoredStudy>> LoadAll() override { return inner_->LoadAll(); }
  absl::Status Write(absl::Span<const StorageWrite> writes) override {
    return *full_ ? Full() : inner_->Write(writes);
  }

 private:
  static absl::Status Full() { return absl::UnavailableError("database or disk is full"); }
  std::unique_ptr<Storage> inner_;
  const std::atomic<bool>* full_;
};

constexpr char kSpec[] = R"yaml(
name: s
max_trials: 5
lease_seconds: 10
params:
  lr: {type: float, low: 1.0e-3, high: 1.0e-1, log: true}
task:
  dataset: {name: synthetic-regression}
  model: {type: linear}
)yaml";

class StorageFaultTest : public ::testing::Test {
 protected:
  std::unique_ptr<Coordinator> Open() {
    auto storage = SqliteStorage::Open(dir_.File("hpo.db"));
    EXPECT_OK(storage);
    auto coordinator = Coordinator::Open(
        std::make_unique<FullDiskStorage>(*std::move(storage), &full_), &clock_);
    EXPECT_OK(coordinator);
    return *std::move(coordinator);
  }

  std::vector<v1::Trial> Trials(Coordinator& coordinator) {
    v1::ListTrialsRequest request;
    request.set_study_name("s");
    auto response = coordinator.ListTrials(request);
    EXPECT_OK(response);
    return {response->trials().begin(), response->trials().end()};
  }

  hpo::testing::TempDir dir_;
  FakeClock clock_;
  std::atomic<bool> full_{false};
};

TEST_F(StorageFaultTest, AFailedWriteChangesNothingAndTheCoordinatorCarriesOn) {
  auto coordinator = Open();
  auto spec = ParseStudySpecYaml(kSpec, "s.yaml");
  ASSERT_OK(spec);
  full_ = true;
  EXPECT_THAT(coordinator->CreateStudy(spec->spec, false),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("full")));
  auto studies = coordinator->ListStudies({});
  ASSERT_OK(studies);
  EXPECT_EQ(studies->studies_size(), 0);
  full_ = false;
  ASSERT_OK(coordinator->CreateStudy(spec->spec, false));

  v1::AcquireTrialRequest acquire;
  acquire.set_worker_id("w");
  full_ = true;
  EXPECT_THAT(coordinator->AcquireTrial(acquire), StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_TRUE(Trials(*coordinator).empty());
  full_ = false;
  auto acquired = coordinator->AcquireTrial(acquire);
  ASSERT_OK(acquired);
  EXPECT_EQ(acquired->trial().number(), 0);  // no number was used up by the failed call

  v1::TrialRef ref;
  ref.set_study_name("s");
  ref.set_trial_number(0);
  ref.set_lease_id(acquired->lease().lease_id());
  v1::ReportIntermediateRequest report;
  *report.mutable_trial() = ref;
  report.set_step(1);
  report.set_value(0.5);
  v1::CompleteTrialRequest complete;
  *complete.mutable_trial() = ref;
  complete.set_value(0.25);
  full_ = true;
  EXPECT_THAT(coordinator->ReportIntermediate(report),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_THAT(coordinator->CompleteTrial(complete), StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  clock_.AdvanceMs(20'000);
  EXPECT_THAT(coordinator->ReclaimExpiredLeases(), StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  std::vector<v1::Trial> trials = Trials(*coordinator);
  ASSERT_EQ(trials.size(), 1u);  // no retry was queued for a failure that was not stored
  EXPECT_EQ(trials[0].state(), v1::Trial::RUNNING);
  EXPECT_EQ(trials[0].intermediate_values_size(), 0);

  // Space is back: the worker's retried call goes through, and a restart
  // finds exactly what the coordinator said.
  full_ = false;
  clock_.AdvanceMs(-20'000);
  ASSERT_OK(coordinator->ReportIntermediate(report));
  ASSERT_OK(coordinator->CompleteTrial(complete));
  coordinator.reset();
  coordinator = Open();
  trials = Trials(*coordinator);
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state(), v1::Trial::COMPLETE);
  EXPECT_DOUBLE_EQ(trials[0].value(), 0.25);
  EXPECT_EQ(trials[0].intermediate_values_size(), 1);
}

}  // namespace
}  // namespace hpo::server
