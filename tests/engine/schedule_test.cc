// Learning-rate schedules and clipping against hand-computed values.
#include "worker/engine/schedule.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo::engine {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ScheduleTest, ConstantIsLr0) {
  ScheduleOptions s;
  for (int t : {0, 1, 99}) EXPECT_EQ(ScheduledLr(s, 0.1, t, 100), 0.1);
}

TEST(ScheduleTest, StepDecaysEveryStepSize) {
  ScheduleOptions s;
  s.type = ScheduleType::kStep;
  s.step_size = 3;
  s.gamma = 0.5;
  // 0.1 * 0.5^floor(t / 3)
  const double expected[] = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025};
  for (int t = 0; t < 7; ++t) EXPECT_DOUBLE_EQ(ScheduledLr(s, 0.1, t, 100), expected[t]) << t;
}

TEST(ScheduleTest, CosineFromLr0ToEtaMin) {
  ScheduleOptions s;
  s.type = ScheduleType::kCosine;
  s.eta_min = 0.01;
  // T = 4: 0.01 + 0.09 * (1 + cos(pi t / 4)) / 2
  EXPECT_DOUBLE_EQ(ScheduledLr(s, 0.1, 0, 4), 0.1);
  EXPECT_NEAR(ScheduledLr(s, 0.1, 1, 4), 0.01 + 0.09 * (1 + std::sqrt(0.5)) / 2, 1e-15);
  EXPECT_NEAR(ScheduledLr(s, 0.1, 2, 4), 0.055, 1e-15);
  EXPECT_NEAR(ScheduledLr(s, 0.1, 3, 4), 0.01 + 0.09 * (1 - std::sqrt(0.5)) / 2, 1e-15);
  EXPECT_NEAR(ScheduledLr(s, 0.1, 4, 4), 0.01, 1e-15);
}

TEST(ScheduleTest, WarmupIsLinearThenCosine) {
  ScheduleOptions s;
  s.type = ScheduleType::kWarmupCosine;
  s.warmup_steps = 4;
  // T = 8: t / 4 for t < 4, then 0.5 * (1 + cos(pi (t - 4) / 4)).
  const double lr0 = 0.2;
  EXPECT_DOUBLE_EQ(ScheduledLr(s, lr0, 0, 8), 0.0);
  EXPECT_DOUBLE_EQ(ScheduledLr(s, lr0, 1, 8), 0.05);
  EXPECT_DOUBLE_EQ(ScheduledLr(s, lr0, 3, 8), 0.15);
  EXPECT_DOUBLE_EQ(ScheduledLr(s, lr0, 4, 8), 0.2);
  EXPECT_NEAR(ScheduledLr(s, lr0, 6, 8), 0.1, 1e-15);
  EXPECT_NEAR(ScheduledLr(s, lr0, 7, 8), 0.2 * 0.5 * (1 - std::sqrt(0.5)), 1e-15);
}

TEST(ScheduleTest, NamesRoundTrip) {
  for (auto type : {ScheduleType::kConstant, ScheduleType::kStep, ScheduleType::kCosine,
                    ScheduleType::kWarmupCosine}) {
    auto parsed = ParseScheduleType(ScheduleTypeName(type));
    ASSERT_OK(parsed);
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_THAT(ParseScheduleType("linear"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                    HasSubstr("unknown schedule \"linear\"")));
}

TEST(ScheduleTest, ValidationNamesTheField) {
  ScheduleOptions s;
  s.step_size = 0;
  EXPECT_THAT(ValidateScheduleOptions(s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("schedule.step_size")));
  s = ScheduleOptions();
  s.gamma = 1.5;
  EXPECT_THAT(ValidateScheduleOptions(s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("schedule.gamma")));
  s = ScheduleOptions();
  s.warmup_steps = -1;
  EXPECT_THAT(ValidateScheduleOptions(s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("schedule.warmup_steps")));
  EXPECT_OK(ValidateScheduleOptions(ScheduleOptions()));
}

TEST(ClipTest, GlobalNormOverAllEntries) {
  const std::vector<float> g = {3, 4, 0, 12};  // sqrt(9 + 16 + 144) = 13
  EXPECT_DOUBLE_EQ(GlobalNorm(g.data(), 4), 13.0);
  const std::vector<float> bad = {1, NAN, 2, 3, 4};
  EXPECT_FALSE(std::isfinite(GlobalNorm(bad.data(), 5)));
  const std::vector<float> inf = {1, 2, 3, 4, INFINITY};
  EXPECT_FALSE(std::isfinite(GlobalNorm(inf.data(), 5)));
}

TEST(ClipTest, ScalesToMaxNormLikeTorch) {
  std::vector<float> g = {3, 4, 0, 12};
  // factor = 6.5 / (13 + 1e-6)
  const double factor = ClipByGlobalNorm(g.data(), 4, 13.0, 6.5);
  EXPECT_NEAR(factor, 6.5 / (13.0 + 1e-6), 1e-15);
  EXPECT_FLOAT_EQ(g[0], static_cast<float>(3 * factor));
  EXPECT_FLOAT_EQ(g[3], static_cast<float>(12 * factor));
  EXPECT_NEAR(GlobalNorm(g.data(), 4), 6.5, 1e-5);
}

TEST(ClipTest, BelowMaxNormIsUntouched) {
  std::vector<float> g = {3, 4};
  EXPECT_EQ(ClipByGlobalNorm(g.data(), 2, 5.0, 5.0001), 1.0);
  EXPECT_EQ(g[0], 3.0f);
  EXPECT_EQ(g[1], 4.0f);
}

}  // namespace
}  // namespace hpo::engine
