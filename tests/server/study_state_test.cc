#include "server/study_state.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "common/spec_validator.h"
#include "common/trial_state.h"
#include "gtest/gtest.h"

namespace hpo::server {
namespace {

v1::Trial MakeTrial(int64_t number, v1::Trial::State state) {
  v1::Trial trial;
  trial.set_study_name("s");
  trial.set_number(number);
  trial.set_state(state);
  return trial;
}

v1::Trial Complete(int64_t number, double value) {
  v1::Trial trial = MakeTrial(number, v1::Trial::COMPLETE);
  trial.set_value(value);
  return trial;
}

void Init(StudyState& state, v1::Direction direction, int32_t max_trials = 0) {
  state.study.mutable_spec()->set_name("s");
  state.study.mutable_spec()->set_direction(direction);
  state.study.mutable_spec()->set_max_trials(max_trials);
}

TEST(StudyStateTest, CountsFollowEachTrialThroughItsStates) {
  StudyState state;
  Init(state, v1::MINIMIZE);
  state.Put(MakeTrial(0, v1::Trial::RUNNING), "lease-0");
  state.Put(MakeTrial(1, v1::Trial::RUNNING), "");  // asked: no lease
  state.Put(MakeTrial(2, v1::Trial::WAITING), "");
  EXPECT_EQ(state.Count(v1::Trial::RUNNING), 2);
  EXPECT_EQ(state.Count(v1::Trial::WAITING), 1);
  EXPECT_EQ(state.Count(v1::Trial::COMPLETE), 0);
  EXPECT_EQ(state.unfinished(), 3);
  EXPECT_EQ(state.leases.Leased(), (std::vector<int64_t>{0}));

  state.Put(Complete(0, 1.5), "lease-0");
  state.Put(MakeTrial(2, v1::Trial::RUNNING), "lease-2");
  EXPECT_EQ(state.Count(v1::Trial::RUNNING), 2);
  EXPECT_EQ(state.Count(v1::Trial::WAITING), 0);
  EXPECT_EQ(state.Count(v1::Trial::COMPLETE), 1);
  EXPECT_EQ(state.unfinished(), 2);
  EXPECT_EQ(state.leases.Leased(), (std::vector<int64_t>{2}));
  EXPECT_EQ(state.leases.LeaseId(2), "lease-2");
  ASSERT_EQ(state.trials.size(), 3u);
  EXPECT_EQ(state.trials[0].value(), 1.5);
}

TEST(StudyStateTest, BestIsTheLowestValueWhenMinimizingAndTheLowerNumberWinsATie) {
  StudyState state;
  Init(state, v1::MINIMIZE);
  EXPECT_EQ(state.Best(), nullptr);
  state.Put(Complete(0, 2.0), "");
  state.Put(Complete(1, 1.0), "");
  state.Put(Complete(2, 1.0), "");
  state.Put(MakeTrial(3, v1::Trial::FAILED), "");
  state.Put(Complete(4, 3.0), "");
  ASSERT_NE(state.Best(), nullptr);
  EXPECT_EQ(state.Best()->number(), 1);
}

TEST(StudyStateTest, BestIsTheHighestValueWhenMaximizing) {
  StudyState state;
  Init(state, v1::MAXIMIZE);
  state.Put(Complete(0, 2.0), "");
  state.Put(Complete(1, 5.0), "");
  state.Put(Complete(2, -1.0), "");
  ASSERT_NE(state.Best(), nullptr);
  EXPECT_EQ(state.Best()->number(), 1);
}

TEST(StudyStateTest, PrunedAndFailedTrialsAreNeverBest) {
  StudyState state;
  Init(state, v1::MINIMIZE);
  v1::Trial pruned = MakeTrial(0, v1::Trial::PRUNED);
  pruned.set_value(-100);
  state.Put(pruned, "");
  state.Put(MakeTrial(1, v1::Trial::FAILED), "");
  EXPECT_EQ(state.Best(), nullptr);
  EXPECT_FALSE(state.Summary().has_best_trial());
}

TEST(StudyStateTest, SummaryHasCountsByStateNameBestAndSortedAttributeNames) {
  StudyState state;
  Init(state, v1::MINIMIZE);
  v1::Trial first = Complete(0, 0.5);
  (*first.mutable_user_attrs())["val_loss"] = 0.5;
  (*first.mutable_user_attrs())["epochs"] = 3;
  state.Put(first, "");
  v1::Trial second = MakeTrial(1, v1::Trial::RUNNING);
  state.Put(second, "lease");
  v1::Trial failed = MakeTrial(1, v1::Trial::FAILED);
  (*failed.mutable_user_attrs())["accuracy"] = 0.1;
  state.Put(failed, "");

  v1::Study summary = state.Summary();
  EXPECT_EQ(summary.spec().name(), "s");
  EXPECT_EQ(summary.trial_counts().size(), 2u);  // no zero counts (RUNNING went to 0)
  EXPECT_EQ(summary.trial_counts().at("COMPLETE"), 1);
  EXPECT_EQ(summary.trial_counts().at("FAILED"), 1);
  EXPECT_EQ(summary.best_trial().number(), 0);
  EXPECT_EQ(
      std::vector<std::string>(summary.user_attr_names().begin(), summary.user_attr_names().end()),
      (std::vector<std::string>{"accuracy", "epochs", "val_loss"}));
}

TEST(StudyStateTest, RoomForTrialsCountsSampledTrialsAgainstMaxTrialsOrTheHardLimit) {
  StudyState limited;
  Init(limited, v1::MINIMIZE, /*max_trials=*/2);
  limited.sampled_trials = 1;
  EXPECT_TRUE(limited.HasRoomForTrials());
  limited.sampled_trials = 2;
  EXPECT_FALSE(limited.HasRoomForTrials());
  EXPECT_FALSE(limited.HasTrialsToRun());
  limited.waiting.push_back(1);  // a retry still runs
  EXPECT_TRUE(limited.HasTrialsToRun());

  StudyState unlimited;
  Init(unlimited, v1::MINIMIZE, /*max_trials=*/0);
  unlimited.sampled_trials = kMaxTrialsPerStudy - 1;
  EXPECT_TRUE(unlimited.HasRoomForTrials());
  unlimited.sampled_trials = kMaxTrialsPerStudy;
  EXPECT_FALSE(unlimited.HasRoomForTrials());
}

// After any sequence of puts, the indexes equal what a scan of the trials
// gives.
TEST(StudyStateTest, RevisionsStartWhereToldAndIntermediateValuesKeepStepOrder) {
  StudyState state(5000);
  Init(state, v1::MINIMIZE);
  EXPECT_EQ(state.revision(), 5000u);
  state.Put(MakeTrial(0, v1::Trial::RUNNING), "");
  for (int64_t step : {3, 1, 2}) {
    v1::IntermediateValue value;
    value.set_step(step);
    value.set_value(0.1 * step);
    state.AddIntermediateValue(0, value);
  }
  EXPECT_EQ(state.revision(), 5004u);
  ASSERT_EQ(state.trials[0].intermediate_values_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(state.trials[0].intermediate_values(i).step(), i + 1);
  EXPECT_EQ(state.changes(), (absl::btree_map<uint64_t, int64_t>{{5004, 0}}));
}

TEST(StudyStateTest, IndexesMatchAScanAfterRandomChanges) {
  const v1::Trial::State states[] = {v1::Trial::WAITING, v1::Trial::RUNNING, v1::Trial::COMPLETE,
                                     v1::Trial::PRUNED, v1::Trial::FAILED};
  for (v1::Direction direction : {v1::MINIMIZE, v1::MAXIMIZE}) {
    StudyState state;
    Init(state, direction);
    std::mt19937 rng(7);
    std::vector<int64_t> last_changed;  // trial numbers, the last changed last
    std::vector<bool> with_lease;       // by number: whether its last Put gave a lease_id
    for (int step = 0; step < 2000; ++step) {
      const int64_t size = static_cast<int64_t>(state.trials.size());
      // Append a new trial or change one that is not finished (finished is final).
      int64_t number = size;
      if (size > 0 && rng() % 2 == 0) {
        const int64_t pick = static_cast<int64_t>(rng() % size);
        if (!IsFinished(state.trials[pick].state())) number = pick;
      }
      last_changed.erase(std::remove(last_changed.begin(), last_changed.end(), number),
                         last_changed.end());
      last_changed.push_back(number);
      if (number < size && rng() % 4 == 0) {
        v1::IntermediateValue value;
        value.set_step(static_cast<int64_t>(rng() % 100));
        state.AddIntermediateValue(number, value);
      } else {
        v1::Trial trial = MakeTrial(number, states[rng() % 5]);
        if (trial.state() == v1::Trial::COMPLETE) trial.set_value(static_cast<double>(rng() % 50));
        if (number == size) with_lease.push_back(false);
        with_lease[number] = rng() % 2 == 0;
        state.Put(trial, with_lease[number] ? "lease" : "");
      }

      std::map<v1::Trial::State, int64_t> counts;
      int64_t unfinished = 0;
      std::vector<int64_t> leased;
      const v1::Trial* best = nullptr;
      for (int64_t i = 0; i < static_cast<int64_t>(state.trials.size()); ++i) {
        const v1::Trial& t = state.trials[i];
        ++counts[t.state()];
        if (!IsFinished(t.state())) ++unfinished;
        if (t.state() == v1::Trial::RUNNING && with_lease[i]) leased.push_back(i);
        if (t.state() == v1::Trial::COMPLETE &&
            (best == nullptr ||
             (direction == v1::MAXIMIZE ? t.value() > best->value() : t.value() < best->value()))) {
          best = &t;
        }
      }
      for (v1::Trial::State s : states) ASSERT_EQ(state.Count(s), counts[s]) << "step " << step;
      ASSERT_EQ(state.unfinished(), unfinished) << "step " << step;
      ASSERT_EQ(state.leases.Leased(), leased) << "step " << step;
      ASSERT_EQ(state.Best(), best) << "step " << step;
      std::vector<int64_t> by_revision;
      for (const auto& [revision, changed] : state.changes()) by_revision.push_back(changed);
      ASSERT_EQ(by_revision, last_changed) << "step " << step;
      ASSERT_EQ(state.changes().rbegin()->first, state.revision()) << "step " << step;
    }
  }
}

}  // namespace
}  // namespace hpo::server
