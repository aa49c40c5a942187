#include "worker/engine/init.h"

#include <cmath>

#include "common/task_settings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/mlp_model.h"
#include "tests/status_matchers.h"

namespace hpo::engine {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseTest, EveryCanonicalNameRoundTrips) {
  for (std::string_view name : kActivationNames) {
    auto a = ParseActivation(name);
    ASSERT_OK(a);
    EXPECT_EQ(ActivationName(*a), name);
  }
  for (std::string_view name : kInitNames) {
    auto i = ParseInit(name);
    ASSERT_OK(i);
    EXPECT_EQ(InitName(*i), name);
  }
  EXPECT_EQ(*ParseActivation("gelu"), Activation::kGelu);
  EXPECT_EQ(*ParseInit("torch_default"), Init::kTorchDefault);
}

TEST(ParseTest, UnknownNamesAreInvalidArgument) {
  EXPECT_THAT(ParseActivation("ReLU"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ReLU")));
  EXPECT_THAT(ParseInit("kaiming"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kaiming")));
}

struct Stats {
  double mean, stddev, max_abs;
};

Stats Measure(const Eigen::Ref<const Eigen::MatrixXf>& m) {
  const double mean = m.cast<double>().mean();
  const double var = (m.cast<double>().array() - mean).square().mean();
  return {mean, std::sqrt(var), m.cwiseAbs().maxCoeff()};
}

// A 400-300-10 network: layer 0 (fan_in 400, fan_out 300) gets the hidden
// activation's gain, layer 1 (fan_in 300, fan_out 10) gain 1.
Sequential<float> Initialized(Init init, Activation activation) {
  Sequential<float> mlp = MakeMlp<float>({400, 300, 10}, activation, 1);
  Rng rng(3);
  mlp.Initialize(init, rng);
  return mlp;
}

TEST(InitTest, HeNormalUsesGainOverSqrtFanIn) {
  Sequential<float> mlp = Initialized(Init::kHeNormal, Activation::kRelu);
  const Stats w0 = Measure(Weight(mlp, 0));
  EXPECT_NEAR(w0.mean, 0.0, 0.002);
  EXPECT_NEAR(w0.stddev, std::sqrt(2.0) / 20.0, 0.002);
  EXPECT_NEAR(Measure(Weight(mlp, 1)).stddev, 1.0 / std::sqrt(300.0), 0.003);
  EXPECT_EQ(Bias(mlp, 0).cwiseAbs().maxCoeff(), 0.0f);
  EXPECT_EQ(Bias(mlp, 1).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(InitTest, HeUniformBound) {
  Sequential<float> mlp = Initialized(Init::kHeUniform, Activation::kTanh);
  const double bound = 5.0 / 3.0 * std::sqrt(3.0 / 400);
  const Stats w0 = Measure(Weight(mlp, 0));
  EXPECT_LE(w0.max_abs, bound);
  EXPECT_GT(w0.max_abs, 0.99 * bound);
  EXPECT_NEAR(w0.stddev, bound / std::sqrt(3.0), 0.002);
}

TEST(InitTest, XavierNormalAndUniform) {
  Sequential<float> normal = Initialized(Init::kXavierNormal, Activation::kSigmoid);
  EXPECT_NEAR(Measure(Weight(normal, 0)).stddev, std::sqrt(2.0 / 700), 0.001);
  Sequential<float> uniform = Initialized(Init::kXavierUniform, Activation::kRelu);
  const double bound = std::sqrt(2.0) * std::sqrt(6.0 / 700);
  EXPECT_LE(Measure(Weight(uniform, 0)).max_abs, bound);
  EXPECT_GT(Measure(Weight(uniform, 0)).max_abs, 0.99 * bound);
  const double out_bound = std::sqrt(6.0 / 310);
  EXPECT_LE(Measure(Weight(uniform, 1)).max_abs, out_bound);
  EXPECT_GT(Measure(Weight(uniform, 1)).max_abs, 0.95 * out_bound);
}

TEST(InitTest, TorchDefaultDrawsBiasesToo) {
  Sequential<float> mlp = Initialized(Init::kTorchDefault, Activation::kRelu);
  const double bound = 1.0 / 20.0;
  EXPECT_LE(Measure(Weight(mlp, 0)).max_abs, bound);
  EXPECT_GT(Measure(Weight(mlp, 0)).max_abs, 0.99 * bound);
  EXPECT_LE(Bias(mlp, 0).cwiseAbs().maxCoeff(), bound);
  EXPECT_GT(Bias(mlp, 0).cwiseAbs().maxCoeff(), 0.9 * bound);
  EXPECT_LE(Bias(mlp, 1).cwiseAbs().maxCoeff(), 1.0 / std::sqrt(300.0));
  EXPECT_GT(Bias(mlp, 1).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(InitTest, NormalIsStddevPointZeroOne) {
  Sequential<float> mlp = Initialized(Init::kNormal, Activation::kTanh);
  EXPECT_NEAR(Measure(Weight(mlp, 0)).stddev, 0.01, 0.0002);
  EXPECT_NEAR(Measure(Weight(mlp, 1)).stddev, 0.01, 0.0005);
  EXPECT_EQ(Bias(mlp, 0).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(InitTest, SameSeedSameParameters) {
  EXPECT_EQ(Initialized(Init::kHeNormal, Activation::kRelu).parameters(),
            Initialized(Init::kHeNormal, Activation::kRelu).parameters());
}

}  // namespace
}  // namespace hpo::engine
