// The optimisation history the page draws: every point of a small study,
// each run's extremes in a large one, and the best-so-far line in number
// order whatever order trials completed in.
#include "server/analysis/study_snapshot.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpo::server {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

StudySnapshot Snapshot(const std::vector<std::pair<int64_t, double>>& completed_in_order,
                       v1::Direction direction) {
  StudySnapshot snapshot;
  snapshot.spec.set_direction(direction);
  for (const auto& [number, value] : completed_in_order) {
    snapshot.completed.numbers.push_back(number);
    snapshot.completed.values.push_back(value);
  }
  snapshot.Finish();
  return snapshot;
}

TEST(OptimizationHistoryTest, SmallStudyKeepsEveryTrialAndTheBestLineByNumber) {
  // Trial 3 completed first, 0 last.
  const StudySnapshot snapshot =
      Snapshot({{3, 0.5}, {1, 2.0}, {2, 1.0}, {0, 3.0}}, v1::MINIMIZE);
  const History history = OptimizationHistory(snapshot, 100);
  EXPECT_THAT(history.points, ElementsAre(Pair(0, 3.0), Pair(1, 2.0), Pair(2, 1.0), Pair(3, 0.5)));
  EXPECT_THAT(history.best, ElementsAre(Pair(0, 3.0), Pair(1, 2.0), Pair(2, 1.0), Pair(3, 0.5)));
  const History maximized = OptimizationHistory(Snapshot({{0, 1.0}, {1, 0.5}, {2, 4.0}},
                                                         v1::MAXIMIZE), 100);
  EXPECT_THAT(maximized.best, ElementsAre(Pair(0, 1.0), Pair(2, 4.0)));
}

TEST(OptimizationHistoryTest, LargeStudyKeepsEachRunsExtremesWithinTheBound) {
  std::vector<std::pair<int64_t, double>> trials;
  for (int64_t i = 0; i < 100000; ++i) trials.emplace_back(i, static_cast<double>(i % 97));
  trials[54321].second = -1000;  // an outlier the plot must show
  trials[77777].second = 5000;
  const History history = OptimizationHistory(Snapshot(trials, v1::MINIMIZE), 2000);
  EXPECT_LE(history.points.size(), 2000u);
  EXPECT_GE(history.points.size(), 1900u);
  EXPECT_TRUE(std::is_sorted(history.points.begin(), history.points.end()));
  EXPECT_NE(std::find(history.points.begin(), history.points.end(), std::pair<int64_t, double>(54321, -1000)),
            history.points.end());
  EXPECT_NE(std::find(history.points.begin(), history.points.end(), std::pair<int64_t, double>(77777, 5000)),
            history.points.end());
  EXPECT_THAT(history.best, ElementsAre(Pair(0, 0.0), Pair(54321, -1000.0)));
}

}  // namespace
}  // namespace hpo::server
