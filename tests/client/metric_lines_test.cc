#include "client/metric_lines.h"

#include <cmath>

#include "gtest/gtest.h"

namespace hpo::client {
namespace {

TEST(ParseMetricLineTest, ReadsPairsSeparatedBySpacesOrCommas) {
  std::optional<MetricLine> line = ParseMetricLine("step=3 loss=0.25, accuracy=9.1e-1\r");
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->step, 3);
  ASSERT_EQ(line->values.size(), 2u);
  EXPECT_EQ(line->values[0].first, "loss");
  EXPECT_EQ(line->values[0].second, 0.25);
  EXPECT_EQ(line->values[1].first, "accuracy");
  EXPECT_DOUBLE_EQ(line->values[1].second, 0.91);

  line = ParseMetricLine("val/loss=-2");
  ASSERT_TRUE(line.has_value());
  EXPECT_FALSE(line->step.has_value());
  EXPECT_EQ(line->values[0].first, "val/loss");
}

TEST(ParseMetricLineTest, NanAndInfAreNumbers) {
  std::optional<MetricLine> line = ParseMetricLine("loss=nan grad=-inf");
  ASSERT_TRUE(line.has_value());
  EXPECT_TRUE(std::isnan(line->values[0].second));
  EXPECT_EQ(line->values[1].second, -INFINITY);
}

TEST(ParseMetricLineTest, OrdinaryOutputReportsNothing) {
  for (const char* text :
       {"", "   ", "Epoch 1/3: loss=0.5", "loss = 0.5", "loss=", "loss=abc", "loss=0.5 done", "=1",
        "step=2", "step=-1 loss=1", "step=1.5 loss=1", "loss=0x10", "lr=1e-3e"}) {
    EXPECT_FALSE(ParseMetricLine(text).has_value()) << text;
  }
}

TEST(TrialMetricsTest, ReportsTheObjectiveAtItsStepOrItsCount) {
  TrialMetrics metrics("loss");
  EXPECT_FALSE(metrics.Add("starting").has_value());
  EXPECT_FALSE(metrics.Add("accuracy=0.5").has_value());  // not the objective
  std::optional<TrialMetrics::Report> report = metrics.Add("loss=0.9");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->step, 0);
  EXPECT_EQ(report->value, 0.9);
  report = metrics.Add("loss=0.7 accuracy=0.6");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->step, 1);
  report = metrics.Add("step=10 loss=0.5");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->step, 10);
  EXPECT_EQ(metrics.objective(), 0.5);
  EXPECT_EQ(metrics.last().at("accuracy"), 0.6);
  EXPECT_EQ(metrics.last().at("loss"), 0.5);
}

TEST(TrialMetricsTest, NoReportNoObjective) {
  TrialMetrics metrics("loss");
  metrics.Add("accuracy=1");
  EXPECT_FALSE(metrics.objective().has_value());
}

}  // namespace
}  // namespace hpo::client
