#include <limits>
#include <map>
#include <vector>

#include "gtest/gtest.h"
#include "server/pruner/hyperband_pruner.h"
#include "server/pruner/median_pruner.h"
#include "server/pruner/successive_halving_pruner.h"

namespace hpo::server {
namespace {

// A trial with the given state and (step -> value) reports.
v1::Trial MakeTrial(int64_t number, v1::Trial::State state,
                    const std::map<int64_t, double>& values) {
  v1::Trial trial;
  trial.set_number(number);
  trial.set_state(state);
  for (const auto& [step, value] : values) {
    v1::IntermediateValue* v = trial.add_intermediate_values();
    v->set_step(step);
    v->set_value(value);
  }
  return trial;
}

v1::PrunerSpec MedianSettings(int startup, int warmup, int interval, int min_trials) {
  v1::PrunerSpec spec;
  spec.set_type("median");
  spec.set_n_startup_trials(startup);
  spec.set_n_warmup_steps(warmup);
  spec.set_interval_steps(interval);
  spec.set_n_min_trials(min_trials);
  return spec;
}

// Five COMPLETE trials whose values at step 1 are 1..5 (median 3), then the
// trial under test.
std::vector<v1::Trial> FiveCompleteThen(const v1::Trial& last) {
  std::vector<v1::Trial> trials;
  for (int i = 0; i < 5; ++i) {
    trials.push_back(MakeTrial(i, v1::Trial::COMPLETE, {{0, 10.0}, {1, i + 1.0}}));
  }
  trials.push_back(last);
  return trials;
}

TEST(MedianPrunerTest, PrunesWhenTheBestSoFarIsWorseThanTheMedian) {
  MedianPruner pruner(MedianSettings(5, 0, 1, 1), v1::MINIMIZE);
  auto worse = FiveCompleteThen(MakeTrial(5, v1::Trial::RUNNING, {{0, 10.0}, {1, 3.5}}));
  EXPECT_TRUE(pruner.ShouldPrune(worse, worse.back(), 1));
  auto better = FiveCompleteThen(MakeTrial(5, v1::Trial::RUNNING, {{0, 10.0}, {1, 2.5}}));
  EXPECT_FALSE(pruner.ShouldPrune(better, better.back(), 1));
  // Judged by its best value over steps (2.0 at step 0), not its last.
  auto recovered = FiveCompleteThen(MakeTrial(5, v1::Trial::RUNNING, {{0, 2.0}, {1, 3.5}}));
  EXPECT_FALSE(pruner.ShouldPrune(recovered, recovered.back(), 1));
}

TEST(MedianPrunerTest, MaximizeFlipsTheComparison) {
  MedianPruner pruner(MedianSettings(5, 0, 1, 1), v1::MAXIMIZE);
  auto trials = FiveCompleteThen(MakeTrial(5, v1::Trial::RUNNING, {{1, 2.5}}));
  EXPECT_TRUE(pruner.ShouldPrune(trials, trials.back(), 1));
  trials.back() = MakeTrial(5, v1::Trial::RUNNING, {{1, 3.5}});
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials.back(), 1));
}

TEST(MedianPrunerTest, StartupWarmupIntervalAndMinTrialsHoldItBack) {
  auto trials = FiveCompleteThen(MakeTrial(5, v1::Trial::RUNNING, {{1, 100.0}}));
  EXPECT_FALSE(MedianPruner(MedianSettings(6, 0, 1, 1), v1::MINIMIZE)
                   .ShouldPrune(trials, trials.back(), 1));  // 5 COMPLETE < 6
  EXPECT_FALSE(MedianPruner(MedianSettings(5, 2, 1, 1), v1::MINIMIZE)
                   .ShouldPrune(trials, trials.back(), 1));  // step 1 < warmup 2
  EXPECT_FALSE(MedianPruner(MedianSettings(5, 0, 2, 1), v1::MINIMIZE)
                   .ShouldPrune(trials, trials.back(), 1));  // step 1 is off the interval
  EXPECT_FALSE(MedianPruner(MedianSettings(5, 0, 1, 6), v1::MINIMIZE)
                   .ShouldPrune(trials, trials.back(), 1));  // 5 values < 6 needed
  EXPECT_TRUE(MedianPruner(MedianSettings(5, 0, 1, 5), v1::MINIMIZE)
                  .ShouldPrune(trials, trials.back(), 1));
}

TEST(MedianPrunerTest, OnlyCompleteTrialsSetTheMedian) {
  std::vector<v1::Trial> trials = {
      MakeTrial(0, v1::Trial::COMPLETE, {{1, 1.0}}),
      MakeTrial(1, v1::Trial::PRUNED, {{1, 100.0}}),
      MakeTrial(2, v1::Trial::RUNNING, {{1, 100.0}}),
      MakeTrial(3, v1::Trial::RUNNING, {{1, 2.0}}),
  };
  MedianPruner pruner(MedianSettings(1, 0, 1, 1), v1::MINIMIZE);
  EXPECT_TRUE(pruner.ShouldPrune(trials, trials.back(), 1));  // 2.0 > median of {1.0}
}

TEST(MedianTest, EvenCountAveragesTheMiddlePair) {
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({5, 1, 3}), 3);
  EXPECT_DOUBLE_EQ(Median({7}), 7);
}

TEST(SuccessiveHalvingPrunerTest, RungsAreGeometric) {
  SuccessiveHalvingPruner pruner(2, 3, 1, 0, v1::MINIMIZE);
  EXPECT_EQ(pruner.RungStep(0), 6);
  EXPECT_EQ(pruner.RungStep(1), 18);
}

TEST(SuccessiveHalvingPrunerTest, FewerThanEtaTrialsAtARungPromoteOnlyTheBest) {
  SuccessiveHalvingPruner pruner(1, 3, 0, 0, v1::MINIMIZE);  // rungs at 1, 3, 9
  std::vector<v1::Trial> trials = {MakeTrial(0, v1::Trial::RUNNING, {{1, 0.5}})};
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials[0], 1));  // alone at the rung
  trials.push_back(MakeTrial(1, v1::Trial::RUNNING, {{1, 0.7}}));
  EXPECT_TRUE(pruner.ShouldPrune(trials, trials[1], 1));
  trials[1] = MakeTrial(1, v1::Trial::RUNNING, {{1, 0.4}});
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials[1], 1));
}

TEST(SuccessiveHalvingPrunerTest, PromotesTheTopThirdOfWhoeverReachedTheRung) {
  SuccessiveHalvingPruner pruner(1, 3, 0, 0, v1::MINIMIZE);
  std::vector<v1::Trial> trials;
  // Five earlier trials at rung 0 (step 1), in every state.
  const double earlier[] = {0.1, 0.2, 0.5, 0.6, 0.9};
  const v1::Trial::State states[] = {v1::Trial::COMPLETE, v1::Trial::RUNNING, v1::Trial::PRUNED,
                                     v1::Trial::COMPLETE, v1::Trial::PRUNED};
  for (int i = 0; i < 5; ++i) trials.push_back(MakeTrial(i, states[i], {{1, earlier[i]}}));
  // With itself, 6 values: the top 6 / 3 = 2 go on, so it must beat 0.2.
  trials.push_back(MakeTrial(5, v1::Trial::RUNNING, {{1, 0.15}}));
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials.back(), 1));
  trials.back() = MakeTrial(5, v1::Trial::RUNNING, {{1, 0.25}});
  EXPECT_TRUE(pruner.ShouldPrune(trials, trials.back(), 1));
  trials.back() = MakeTrial(5, v1::Trial::RUNNING, {{1, 0.2}});  // a tie goes on
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials.back(), 1));
}

TEST(SuccessiveHalvingPrunerTest, DecidesOnlyWhenARungIsFirstReached) {
  SuccessiveHalvingPruner pruner(1, 3, 0, 0, v1::MINIMIZE);
  std::vector<v1::Trial> trials = {
      MakeTrial(0, v1::Trial::COMPLETE, {{1, 0.1}, {2, 0.1}, {3, 0.1}}),
      MakeTrial(1, v1::Trial::RUNNING, {{1, 0.05}, {2, 9.0}}),
  };
  // Step 2 is between rungs 0 (step 1) and 1 (step 3): no decision, however bad.
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials[1], 2));
  // At step 3 it is judged at rung 1 against trial 0's value there.
  trials[1] = MakeTrial(1, v1::Trial::RUNNING, {{1, 0.05}, {2, 9.0}, {3, 0.2}});
  EXPECT_TRUE(pruner.ShouldPrune(trials, trials[1], 3));
}

TEST(SuccessiveHalvingPrunerTest, ATrialThatSkippedARungStepIsJudgedByItsNextReport) {
  SuccessiveHalvingPruner pruner(1, 3, 0, 0, v1::MINIMIZE);
  std::vector<v1::Trial> trials = {
      MakeTrial(0, v1::Trial::COMPLETE, {{2, 0.3}, {4, 0.1}}),  // rung 0 value 0.3, rung 1 0.1
      MakeTrial(1, v1::Trial::RUNNING, {{1, 0.4}}),
  };
  EXPECT_TRUE(pruner.ShouldPrune(trials, trials[1], 1));  // 0.4 vs 0.3 at rung 0
  trials[1] = MakeTrial(1, v1::Trial::RUNNING, {{1, 0.25}});
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials[1], 1));
}

TEST(SuccessiveHalvingPrunerTest, MaximizeKeepsTheLargest) {
  SuccessiveHalvingPruner pruner(1, 2, 0, 0, v1::MAXIMIZE);
  std::vector<v1::Trial> trials = {MakeTrial(0, v1::Trial::COMPLETE, {{1, 0.9}}),
                                   MakeTrial(1, v1::Trial::RUNNING, {{1, 0.8}})};
  EXPECT_TRUE(pruner.ShouldPrune(trials, trials[1], 1));
  trials[1] = MakeTrial(1, v1::Trial::RUNNING, {{1, 0.95}});
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials[1], 1));
}

TEST(SuccessiveHalvingPrunerTest, ARungAtTheLastStepDoesNotPrune) {
  SuccessiveHalvingPruner pruner(1, 3, 0, /*max_resource=*/9, v1::MINIMIZE);  // rungs 1, 3, 9
  std::vector<v1::Trial> trials = {
      MakeTrial(0, v1::Trial::COMPLETE, {{1, 0.1}, {3, 0.1}, {9, 0.1}}),
      MakeTrial(1, v1::Trial::RUNNING, {{1, 0.05}, {3, 0.05}, {9, 0.5}}),
  };
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials[1], 9));  // finished: keep the result
  trials[1] = MakeTrial(1, v1::Trial::RUNNING, {{1, 0.05}, {3, 0.5}});
  EXPECT_TRUE(pruner.ShouldPrune(trials, trials[1], 3));  // rung 3 < 9 still prunes
}

TEST(SuccessiveHalvingPrunerTest, AReportAtTheLargestStepEnds) {
  // Rungs 1, 2, 4, ..., 2^62, then RungStep saturates at the largest step:
  // a report there used to loop on that rung forever, holding the
  // coordinator's lock.
  constexpr int64_t kLargest = std::numeric_limits<int64_t>::max();
  SuccessiveHalvingPruner pruner(1, 2, 0, 0, v1::MINIMIZE);
  EXPECT_EQ(pruner.RungStep(63), kLargest);
  std::vector<v1::Trial> trials = {MakeTrial(0, v1::Trial::COMPLETE, {{1, 0.1}}),
                                   MakeTrial(1, v1::Trial::RUNNING, {{kLargest, 0.05}})};
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials[1], kLargest));  // best at every rung
  trials[1] = MakeTrial(1, v1::Trial::RUNNING, {{kLargest, 0.5}});
  EXPECT_TRUE(pruner.ShouldPrune(trials, trials[1], kLargest));  // worse than 0.1 at rung 0
}

TEST(HyperbandPrunerTest, BracketsFollowTheBudgets) {
  HyperbandPruner pruner(1, 27, 3, v1::MINIMIZE);
  ASSERT_EQ(pruner.num_brackets(), 4);  // rates 0..3: first rungs at 1, 3, 9, 27
  // Optuna's budgets: 27 + 13.5 * (3 - bracket), i.e. 67.5, 54, 40.5, 27 of 189.
  std::vector<int> counts(4, 0);
  for (int64_t number = 0; number < 18900; ++number) ++counts[pruner.BracketOf(number)];
  const double expected[] = {67.5 / 189, 54.0 / 189, 40.5 / 189, 27.0 / 189};
  for (int b = 0; b < 4; ++b) EXPECT_NEAR(counts[b] / 18900.0, expected[b], 0.02) << b;
  EXPECT_EQ(pruner.BracketOf(123), pruner.BracketOf(123));
}

TEST(HyperbandPrunerTest, TrialsCompeteOnlyWithinTheirBracket) {
  HyperbandPruner pruner(1, 9, 3, v1::MINIMIZE);  // brackets with first rungs at 1, 3, 9
  // Find two trials in bracket 0 and one in another bracket.
  std::vector<int64_t> bracket0, other;
  for (int64_t n = 0; bracket0.size() < 2 || other.empty(); ++n) {
    (pruner.BracketOf(n) == 0 ? bracket0 : other).push_back(n);
  }
  std::vector<v1::Trial> trials = {
      MakeTrial(other[0], v1::Trial::COMPLETE, {{1, 0.01}}),  // much better, other bracket
      MakeTrial(bracket0[0], v1::Trial::COMPLETE, {{1, 0.5}}),
      MakeTrial(bracket0[1], v1::Trial::RUNNING, {{1, 0.4}}),
  };
  EXPECT_FALSE(pruner.ShouldPrune(trials, trials[2], 1));
  trials[2] = MakeTrial(bracket0[1], v1::Trial::RUNNING, {{1, 0.6}});
  EXPECT_TRUE(pruner.ShouldPrune(trials, trials[2], 1));
}

}  // namespace
}  // namespace hpo::server
