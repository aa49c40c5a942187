// AdamW against more PyTorch 1.13 results than algorithms.md gives: maximize,
// amsgrad + maximize, a scheduled lr, and float32 with amsgrad and maximize.
// The numbers come from tests/engine/golden/adamw_golden.py, run with Debian's
// python3-torch (/usr/bin/python3 adamw_golden.py); its setup is Case 1 of
// algorithms.md (theta0 = [1, -0.5, 0.25, 2], gradient [1, -2, 0.5, 3] *
// 0.3^(t-1), weight_decay 0.1, six steps) with the lr of each step set on the
// param group before the step.
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "tests/engine/adamw_case1.h"
#include "worker/engine/adamw.h"
#include "worker/engine/schedule.h"

namespace hpo::engine {
namespace {

const std::vector<double> kConstantLr(6, 0.01);

TEST(AdamWTorchGoldenTest, MaximizeFloat64) {
  AdamWOptions options;
  options.maximize = true;
  const std::vector<double> expected = {1.0351110179967942, -0.5381035283189176, 0.2895997823263069,
                                        2.029125998451282};
  const auto theta = RunCase1<double>(options, kConstantLr);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(theta[i], expected[i], 1e-12) << i;
}

TEST(AdamWTorchGoldenTest, AmsgradMaximizeFloat64) {
  AdamWOptions options;
  options.amsgrad = true;
  options.maximize = true;
  const std::vector<double> expected = {1.0351017504585294, -0.5380942607804471,
                                        0.28959051478845377, 2.029116730912743};
  const auto theta = RunCase1<double>(options, kConstantLr);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(theta[i], expected[i], 1e-12) << i;
}

TEST(AdamWTorchGoldenTest, CosineScheduledLrFloat64) {
  // Cosine from 0.01 to eta_min 0.001 over T = 6 steps, as ScheduledLr gives.
  ScheduleOptions schedule;
  schedule.type = ScheduleType::kCosine;
  schedule.eta_min = 0.001;
  std::vector<double> lrs;
  for (int t = 0; t < 6; ++t) lrs.push_back(ScheduledLr(schedule, 0.01, t, 6));
  const std::vector<double> expected = {0.9670647249568094, -0.4689369405746563,
                                        0.21987304910951486, 1.9633202930297482};
  const auto theta = RunCase1<double>(AdamWOptions{}, lrs);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(theta[i], expected[i], 1e-12) << i;
}

TEST(AdamWTorchGoldenTest, AmsgradFloat32) {
  AdamWOptions options;
  options.amsgrad = true;
  const std::vector<float> expected = {0.952928364276886f, -0.45592084527015686f,
                                       0.20741696655750275f, 1.9469434022903442f};
  const auto theta = RunCase1<float>(options, kConstantLr);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(theta[i], expected[i], 1.2e-7 * 2) << i;
}

TEST(AdamWTorchGoldenTest, MaximizeFloat32) {
  AdamWOptions options;
  options.maximize = true;
  const std::vector<float> expected = {1.0351110696792603f, -0.5381035804748535f,
                                       0.2895997166633606f, 2.029125928878784f};
  const auto theta = RunCase1<float>(options, kConstantLr);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(theta[i], expected[i], 2.4e-7 * 2) << i;
}

}  // namespace
}  // namespace hpo::engine
