#include "worker/engine/adamw.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/adamw_case1.h"
#include "tests/status_matchers.h"

namespace hpo::engine {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

// Case 1 with lr 0.01, with or without amsgrad.
template <typename Scalar>
std::vector<Scalar> RunCase1(bool amsgrad) {
  AdamWOptions options;
  options.lr = 0.01;
  options.amsgrad = amsgrad;
  return RunCase1<Scalar>(options);
}

TEST(AdamWTest, Case1Float64MatchesTorch) {
  const std::vector<double> expected = {0.95291894203319438, -0.45591145169607655,
                                        0.2074077076811901, 1.9469339216086941};
  const std::vector<double> theta = RunCase1<double>(false);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(theta[i], expected[i], 1e-12) << i;
}

TEST(AdamWTest, Case1Float64AmsgradMatchesTorch) {
  const std::vector<double> expected = {0.95292820957145896, -0.45592071923454697,
                                        0.20741697521904329, 1.9469431891472326};
  const std::vector<double> theta = RunCase1<double>(true);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(theta[i], expected[i], 1e-12) << i;
}

TEST(AdamWTest, Case1Float32MatchesTorch) {
  const std::vector<float> expected = {0.95291906595230103f, -0.4559115469455719f,
                                       0.20740772783756256f, 1.9469342231750488f};
  const std::vector<float> theta = RunCase1<float>(false);
  // Within one float ulp (the build reproduces torch bit for bit; see
  // worker/engine/CMakeLists.txt). The float64 result is 1-5 ulps away, so
  // this checks the float path, not just the algorithm.
  for (int i = 0; i < 4; ++i) {
    const float ulp = std::nextafter(std::abs(expected[i]), 10.0f) - std::abs(expected[i]);
    EXPECT_NEAR(theta[i], expected[i], ulp) << i;
  }
}

TEST(AdamWTest, Case2QuadraticMatchesTorch) {
  const std::vector<double> c = {1, 2, 0.5, 1, 10, 0.1};
  const std::vector<double> d = {0.1, -0.2, 0, 0.3, 0, -0.5};
  std::vector<double> theta = {0.5, -1, 2, 0, 1e-3, -3};
  const std::vector<double> expected = {-0.039206443654006155, -0.33312597888483952,
                                        1.1021858421215254,    -0.38026774858576778,
                                        0.056768940759761369,  -1.8703862947404621};
  AdamWOptions options;
  options.lr = 0.1;
  options.weight_decay = 0.5;
  const AdamW adamw(options);
  AdamWState<double> state = adamw.MakeState<double>(6);
  for (int t = 0; t < 5; ++t) {
    std::vector<double> g(6);
    for (int i = 0; i < 6; ++i) g[i] = c[i] * theta[i] + d[i];
    adamw.Step(theta.data(), g.data(), state);
  }
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(theta[i], expected[i], 1e-12) << i;
}

TEST(AdamWTest, FirstStepMovesEachParameterByAboutLr) {
  // With zero decay, step 1 gives m_hat = g and sqrt(v_hat) = |g|: each
  // parameter moves by lr * g / (|g| + eps), i.e. lr against the gradient sign.
  AdamWOptions options;
  options.lr = 0.1;
  options.weight_decay = 0.0;
  const AdamW adamw(options);
  std::vector<double> theta = {1.0, 1.0};
  const std::vector<double> g = {4.0, -0.5};
  AdamWState<double> state = adamw.MakeState<double>(2);
  adamw.Step(theta.data(), g.data(), state);
  EXPECT_NEAR(theta[0], 1.0 - 0.1 * 4.0 / (4.0 + 1e-8), 1e-15);
  EXPECT_NEAR(theta[1], 1.0 + 0.1 * 0.5 / (0.5 + 1e-8), 1e-15);
}

TEST(AdamWTest, DecayIsDecoupledFromTheGradient) {
  // A zero gradient leaves m = v = 0, so only the decay acts: theta * (1 - lr * wd).
  AdamWOptions options;
  options.lr = 0.1;
  options.weight_decay = 0.5;
  const AdamW adamw(options);
  std::vector<double> theta = {2.0, -4.0};
  const std::vector<double> g = {0.0, 0.0};
  AdamWState<double> state = adamw.MakeState<double>(2);
  adamw.Step(theta.data(), g.data(), state);
  EXPECT_DOUBLE_EQ(theta[0], 2.0 * 0.95);
  EXPECT_DOUBLE_EQ(theta[1], -4.0 * 0.95);
}

TEST(AdamWTest, MaximizeOnGradientEqualsMinimizeOnNegatedGradient) {
  for (bool amsgrad : {false, true}) {
    AdamWOptions options;
    options.lr = 0.05;
    options.weight_decay = 0.2;
    options.amsgrad = amsgrad;
    AdamWOptions maximize_options = options;
    maximize_options.maximize = true;
    const AdamW minimizer(options);
    const AdamW maximizer(maximize_options);
    std::vector<double> a = {0.3, -1.2, 2.0};
    std::vector<double> b = a;
    AdamWState<double> state_a = minimizer.MakeState<double>(3);
    AdamWState<double> state_b = maximizer.MakeState<double>(3);
    // Gradient of f(theta) = -(sum theta^2 + theta_0) + 0.1 t sum theta; the
    // minimiser sees -grad f, the maximiser grad f.
    auto gradient = [](const std::vector<double>& theta, int t) {
      std::vector<double> g(theta.size());
      for (size_t i = 0; i < theta.size(); ++i) {
        g[i] = -2.0 * theta[i] - (i == 0 ? 1.0 : 0.0) + 0.1 * t;
      }
      return g;
    };
    for (int t = 1; t <= 7; ++t) {
      std::vector<double> negated = gradient(a, t);
      for (double& g : negated) g = -g;
      minimizer.Step(a.data(), negated.data(), state_a);
      maximizer.Step(b.data(), gradient(b, t).data(), state_b);
    }
    for (int i = 0; i < 3; ++i) EXPECT_EQ(a[i], b[i]) << "amsgrad " << amsgrad << " i " << i;
  }
}

TEST(AdamWTest, MaximizeClimbs) {
  // One step with g > 0 under maximize moves theta up by about lr.
  AdamWOptions options;
  options.lr = 0.1;
  options.weight_decay = 0.0;
  options.maximize = true;
  const AdamW adamw(options);
  std::vector<double> theta = {1.0};
  const std::vector<double> g = {2.0};
  AdamWState<double> state = adamw.MakeState<double>(1);
  adamw.Step(theta.data(), g.data(), state);
  EXPECT_NEAR(theta[0], 1.1, 1e-8);
}

TEST(AdamWTest, AmsgradKeepsTheLargestSecondMoment) {
  AdamWOptions options;
  options.amsgrad = true;
  const AdamW adamw(options);
  std::vector<double> theta = {0.0};
  AdamWState<double> state = adamw.MakeState<double>(1);
  const double big = 10.0, small = 0.0;
  adamw.Step(theta.data(), &big, state);
  const double v_after_big = state.v()[0];
  adamw.Step(theta.data(), &small, state);
  EXPECT_LT(state.v()[0], v_after_big);
  EXPECT_EQ(state.v_max()[0], v_after_big);
}

TEST(AdamWTest, FreshStateDoesNotInheritMoments) {
  AdamWOptions options;
  options.lr = 0.01;
  const AdamW adamw(options);
  auto run = [&adamw] {
    std::vector<float> theta = {1.0f, 2.0f};
    const std::vector<float> g = {0.5f, -0.25f};
    AdamWState<float> state = adamw.MakeState<float>(2);
    for (int t = 0; t < 3; ++t) adamw.Step(theta.data(), g.data(), state);
    return theta;
  };
  EXPECT_EQ(run(), run());
}

TEST(AdamWTest, ScheduledLrOverridesOptions) {
  AdamWOptions options;
  options.lr = 123.0;  // must not be used
  options.weight_decay = 0.0;
  const AdamW adamw(options);
  std::vector<double> theta = {1.0};
  const double g = 1.0;
  AdamWState<double> state = adamw.MakeState<double>(1);
  adamw.Step(0.01, theta.data(), &g, state);
  EXPECT_NEAR(theta[0], 0.99, 1e-8);
}

TEST(AdamWTest, ValidationNamesTheField) {
  EXPECT_OK(ValidateAdamWOptions(AdamWOptions{}));
  AdamWOptions o;
  o.lr = -1;
  EXPECT_THAT(ValidateAdamWOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("optimizer.lr")));
  o = AdamWOptions{};
  o.beta1 = 1.0;
  EXPECT_THAT(ValidateAdamWOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("optimizer.beta1")));
  o = AdamWOptions{};
  o.beta2 = -0.1;
  EXPECT_THAT(ValidateAdamWOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("optimizer.beta2")));
  o = AdamWOptions{};
  o.eps = NAN;
  EXPECT_THAT(ValidateAdamWOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("optimizer.eps")));
  o = AdamWOptions{};
  o.weight_decay = -0.5;
  EXPECT_THAT(ValidateAdamWOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("optimizer.weight_decay")));
}

}  // namespace
}  // namespace hpo::engine
