// Prometheus text rendering and the histogram it reads.
#include "server/http/metrics_text.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpo::server {
namespace {

using ::testing::HasSubstr;

TEST(HistogramTest, BucketsAreCumulativeAndEndWithTheCount) {
  Histogram histogram;
  histogram.Observe(0.0001);
  histogram.Observe(0.003);
  histogram.Observe(0.003);
  histogram.Observe(100);  // above every bound
  histogram.Observe(-1);   // a clock stepping back counts as 0
  EXPECT_EQ(histogram.count(), 5);
  EXPECT_EQ(histogram.cumulative_count(0), 2);  // <= 0.0005
  EXPECT_EQ(histogram.cumulative_count(2), 2);  // <= 0.0025
  EXPECT_EQ(histogram.cumulative_count(3), 4);  // <= 0.005
  EXPECT_EQ(histogram.cumulative_count(Histogram::kBounds.size() - 1), 4);
  EXPECT_EQ(histogram.cumulative_count(Histogram::kBounds.size()), 5);
  EXPECT_NEAR(histogram.sum(), 100.0061, 1e-5);
}

TEST(MetricsTextTest, EscapesLabelsAndListsEveryState) {
  v1::Study study;
  study.mutable_spec()->set_name("a\"b\\c\nd");
  study.set_state(v1::Study::PAUSED);
  (*study.mutable_trial_counts())["PRUNED"] = 7;
  CoordinatorMetrics metrics;
  metrics.commit_seconds.Observe(0.002);
  const std::string text = RenderMetrics({study}, metrics);
  EXPECT_THAT(text, HasSubstr("hpo_trials{study=\"a\\\"b\\\\c\\nd\",state=\"PRUNED\"} 7\n"));
  EXPECT_THAT(text, HasSubstr("hpo_trials{study=\"a\\\"b\\\\c\\nd\",state=\"WAITING\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("hpo_studies{state=\"PAUSED\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hpo_studies{state=\"COMPLETED\"} 0\n"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("hpo_study_best_value{")));  // no best yet
  EXPECT_THAT(text, HasSubstr("hpo_commit_duration_seconds_bucket{le=\"0.001\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("hpo_commit_duration_seconds_bucket{le=\"0.0025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hpo_commit_duration_seconds_bucket{le=\"+Inf\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hpo_commit_duration_seconds_count 1\n"));
  // Every line is a comment or `name{labels} value`, never a raw newline in a label.
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(line[0] == '#' || absl::StartsWith(line, "hpo_")) << line;
  }
}

}  // namespace
}  // namespace hpo::server
