// Analytic gradients of every layer, activation and loss against central
// finite differences, in double precision.
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/engine/mlp_model.h"
#include "tests/status_matchers.h"
#include "worker/engine/activations.h"
#include "worker/engine/layers/elementwise.h"
#include "worker/engine/losses.h"
#include "worker/engine/random.h"

namespace hpo::engine {
namespace {

enum class LossKind { kCrossEntropy, kMse, kBinaryCrossEntropy };

struct Problem {
  Eigen::MatrixXd x;
  std::vector<int32_t> labels;
  Eigen::MatrixXd targets;
};

Problem MakeProblem(int inputs, int outputs, int batch, Rng& rng) {
  Problem p;
  p.x.resize(inputs, batch);
  for (int64_t i = 0; i < p.x.size(); ++i) p.x.data()[i] = rng.Normal(0.0, 1.0);
  p.targets.resize(outputs, batch);
  for (int64_t i = 0; i < p.targets.size(); ++i) p.targets.data()[i] = rng.Normal(0.0, 1.0);
  // One output is a binary problem (labels 0 or 1).
  const int classes = outputs == 1 ? 2 : outputs;
  for (int j = 0; j < batch; ++j) p.labels.push_back(static_cast<int32_t>(rng.UniformInt(classes)));
  return p;
}

// Loss at the current parameters; with `backward`, also fills gradients().
// With dropout, every pass draws the same masks (a fresh Rng of one seed).
double Loss(Sequential<double>& mlp, const Problem& p, LossKind kind, bool backward) {
  Rng mask_rng(7);
  const auto out = mlp.ForwardTrain(p.x, mask_rng);
  double* gradient = backward ? mlp.output_gradient().data() : nullptr;
  double loss = 0;
  switch (kind) {
    case LossKind::kCrossEntropy:
      loss = SoftmaxCrossEntropy<double>(out, p.labels.data(), gradient);
      break;
    case LossKind::kMse:
      loss = MeanSquaredError<double>(out, p.targets, gradient);
      break;
    case LossKind::kBinaryCrossEntropy:
      loss = BinaryCrossEntropy<double>(out, p.labels.data(), gradient);
      break;
  }
  if (backward) mlp.Backward(p.x);
  return loss;
}

void CheckGradients(Activation activation, LossKind kind, const std::vector<int>& widths,
                    double dropout = 0.0) {
  Rng rng(42);
  Sequential<double> mlp = MakeMlp<double>(widths, activation, /*max_batch=*/8, dropout);
  mlp.Initialize(Init::kXavierNormal, rng);
  // Non-zero biases, so that their role in every layer is exercised.
  for (int l = 0; l + 1 < static_cast<int>(widths.size()); ++l) {
    for (auto& b : Bias(mlp, l)) b = rng.Normal(0.0, 0.3);
  }
  const Problem p = MakeProblem(widths.front(), widths.back(), 7, rng);
  Loss(mlp, p, kind, /*backward=*/true);
  const Eigen::VectorXd analytic = mlp.gradients();
  ASSERT_GT(analytic.cwiseAbs().maxCoeff(), 1e-3);
  const double h = 1e-5;
  for (int64_t i = 0; i < mlp.num_parameters(); ++i) {
    const double saved = mlp.parameters()(i);
    mlp.parameters()(i) = saved + h;
    const double plus = Loss(mlp, p, kind, false);
    mlp.parameters()(i) = saved - h;
    const double minus = Loss(mlp, p, kind, false);
    mlp.parameters()(i) = saved;
    const double numeric = (plus - minus) / (2 * h);
    EXPECT_NEAR(analytic(i), numeric, 1e-7 + 1e-6 * std::abs(numeric))
        << ActivationName(activation) << " parameter " << i;
  }
}

class GradientCheckTest : public ::testing::TestWithParam<Activation> {};

TEST_P(GradientCheckTest, TwoHiddenLayersCrossEntropy) {
  CheckGradients(GetParam(), LossKind::kCrossEntropy, {4, 6, 5, 3});
}

TEST_P(GradientCheckTest, TwoHiddenLayersMse) {
  CheckGradients(GetParam(), LossKind::kMse, {3, 5, 4, 2});
}

INSTANTIATE_TEST_SUITE_P(AllActivations, GradientCheckTest,
                         ::testing::Values(Activation::kRelu, Activation::kTanh,
                                           Activation::kSigmoid, Activation::kGelu),
                         [](const auto& info) { return std::string(ActivationName(info.param)); });

TEST_P(GradientCheckTest, TwoHiddenLayersBinaryCrossEntropy) {
  CheckGradients(GetParam(), LossKind::kBinaryCrossEntropy, {4, 6, 5, 1});
}

TEST_P(GradientCheckTest, DropoutWithEveryLoss) {
  CheckGradients(GetParam(), LossKind::kCrossEntropy, {4, 6, 5, 3}, /*dropout=*/0.3);
  CheckGradients(GetParam(), LossKind::kMse, {3, 5, 4, 2}, /*dropout=*/0.5);
  CheckGradients(GetParam(), LossKind::kBinaryCrossEntropy, {4, 6, 1}, /*dropout=*/0.2);
}

TEST(GradientCheckLinearTest, NoHiddenLayerEveryLoss) {
  CheckGradients(Activation::kRelu, LossKind::kCrossEntropy, {5, 4});
  CheckGradients(Activation::kRelu, LossKind::kMse, {5, 2});
  CheckGradients(Activation::kRelu, LossKind::kBinaryCrossEntropy, {5, 1});
}

TEST(DropoutTest, ZeroesAboutPAndScalesTheRest) {
  Sequential<double> mlp =
      MakeMlp<double>({4, 1000, 2}, Activation::kRelu, /*max_batch=*/4, /*dropout=*/0.25);
  // Identity-like first layer: every hidden unit is 1 after the bias.
  Bias(mlp, 0).setOnes();
  Weight(mlp, 1).setOnes();
  const Eigen::MatrixXd x = Eigen::MatrixXd::Zero(4, 4);
  const double eval = mlp.Forward(x)(0, 0);
  EXPECT_DOUBLE_EQ(eval, 1000.0);  // no dropout when evaluating
  Rng rng(3);
  const auto train = mlp.ForwardTrain(x, rng);
  // Sum of kept units times 1 / 0.75: about 1000 in expectation.
  for (int j = 0; j < 4; ++j) {
    const double kept = train(0, j) * 0.75;
    EXPECT_NEAR(kept, std::round(kept), 1e-9);
    EXPECT_NEAR(kept, 750, 60) << j;
  }
  EXPECT_FALSE(Dropout<double>::Create({4, 1, 1}, 1.0).ok());
  EXPECT_FALSE(Dropout<double>::Create({4, 1, 1}, -0.1).ok());
}

TEST(BinaryCrossEntropyTest, ValuesAndAccuracyLikeTorch) {
  // BCEWithLogits: mean of max(z,0) - z y + log(1 + exp(-|z|)).
  Eigen::MatrixXd z(1, 3);
  z << 2.0, -1.0, 800.0;
  const std::vector<int32_t> y = {1, 1, 0};
  const double expected =
      (std::log1p(std::exp(-2.0)) + (1.0 + std::log1p(std::exp(-1.0))) + 800.0) / 3.0;
  EXPECT_NEAR(BinaryCrossEntropy<double>(z, y.data(), nullptr), expected, 1e-12);
  EXPECT_EQ(CountCorrectBinary<double>(z, y.data()), 1);
}

TEST(ActivationTest, ValuesMatchTheirDefinitions) {
  const std::vector<double> z = {-3.0, -0.5, 0.0, 0.7, 4.0};
  std::vector<double> out(z.size());
  for (Activation a :
       {Activation::kRelu, Activation::kTanh, Activation::kSigmoid, Activation::kGelu}) {
    ApplyActivation(a, z.data(), out.data(), static_cast<int64_t>(z.size()));
    for (size_t i = 0; i < z.size(); ++i) {
      double expected = 0;
      switch (a) {
        case Activation::kRelu:
          expected = z[i] > 0 ? z[i] : 0;
          break;
        case Activation::kTanh:
          expected = std::tanh(z[i]);
          break;
        case Activation::kSigmoid:
          expected = 1 / (1 + std::exp(-z[i]));
          break;
        case Activation::kGelu:
          expected = 0.5 * z[i] * (1 + std::erf(z[i] / std::sqrt(2.0)));
          break;
      }
      EXPECT_NEAR(out[i], expected, 1e-12) << ActivationName(a) << " at " << z[i];
    }
  }
}

TEST(ActivationTest, FloatMatchesDouble) {
  std::vector<float> zf;
  std::vector<double> zd;
  for (int i = -40; i <= 40; ++i) {
    zf.push_back(i * 0.15f);
    zd.push_back(static_cast<double>(i * 0.15f));
  }
  const int64_t n = static_cast<int64_t>(zf.size());
  for (Activation a :
       {Activation::kRelu, Activation::kTanh, Activation::kSigmoid, Activation::kGelu}) {
    std::vector<float> of(n), df(n, 1.0f);
    std::vector<double> od(n), dd(n, 1.0);
    ApplyActivation(a, zf.data(), of.data(), n);
    ApplyActivation(a, zd.data(), od.data(), n);
    ActivationBackward(a, zf.data(), of.data(), df.data(), n);
    ActivationBackward(a, zd.data(), od.data(), dd.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_NEAR(of[i], od[i], 1e-6 * (1 + std::abs(od[i]))) << ActivationName(a) << " " << zd[i];
      EXPECT_NEAR(df[i], dd[i], 1e-6) << ActivationName(a) << " " << zd[i];
    }
  }
}

TEST(LossTest, CrossEntropyIsStableForHugeLogits) {
  Eigen::MatrixXf logits(3, 2);
  logits << 1000.0f, -1000.0f, 0.0f, 0.0f, -1000.0f, 1000.0f;
  const std::vector<int32_t> labels = {0, 0};
  Eigen::MatrixXf gradient(3, 2);
  const double loss = SoftmaxCrossEntropy<float>(logits, labels.data(), gradient.data());
  // Column 0 is certain and right (loss 0), column 1 certain and wrong (2000).
  EXPECT_NEAR(loss, 1000.0, 1e-3);
  EXPECT_TRUE(gradient.allFinite());
  EXPECT_NEAR(gradient(0, 1), -0.5f, 1e-6);
  EXPECT_NEAR(gradient(2, 1), 0.5f, 1e-6);
}

TEST(LossTest, CrossEntropyOfUniformLogitsIsLogClasses) {
  const Eigen::MatrixXd logits = Eigen::MatrixXd::Constant(10, 4, 3.5);
  const std::vector<int32_t> labels = {0, 3, 9, 5};
  EXPECT_NEAR(SoftmaxCrossEntropy<double>(logits, labels.data(), nullptr), std::log(10.0), 1e-12);
}

TEST(LossTest, MseIsMeanOverAllEntries) {
  Eigen::MatrixXd out(2, 2), target(2, 2);
  out << 1, 2, 3, 4;
  target << 0, 0, 0, 0;
  Eigen::MatrixXd gradient(2, 2);
  EXPECT_DOUBLE_EQ(MeanSquaredError<double>(out, target, gradient.data()), (1 + 4 + 9 + 16) / 4.0);
  EXPECT_DOUBLE_EQ(gradient(1, 1), 2.0 * 4 / 4);
}

TEST(LossTest, CountCorrectUsesArgmax) {
  Eigen::MatrixXf logits(3, 3);
  logits << 0.1f, 5.0f, 0.0f,  //
      0.9f, 1.0f, 0.0f,        //
      0.2f, 2.0f, 1.0f;
  const std::vector<int32_t> labels = {1, 0, 2};
  EXPECT_EQ(CountCorrect<float>(logits, labels.data()), 3);
  const std::vector<int32_t> wrong = {0, 1, 1};
  EXPECT_EQ(CountCorrect<float>(logits, wrong.data()), 0);
}

TEST(MlpTest, FloatGradientsMatchDouble) {
  const std::vector<int> widths = {6, 8, 5, 4};
  Sequential<float> f = MakeMlp<float>(widths, Activation::kTanh, 5);
  Sequential<double> d = MakeMlp<double>(widths, Activation::kTanh, 5);
  Rng rng(7);
  d.Initialize(Init::kHeUniform, rng);
  f.parameters() = d.parameters().cast<float>();
  const Problem p = MakeProblem(6, 4, 5, rng);
  Loss(d, p, LossKind::kCrossEntropy, true);
  const Eigen::MatrixXf xf = p.x.cast<float>();
  const auto out = f.Forward(xf);
  SoftmaxCrossEntropy<float>(out, p.labels.data(), f.output_gradient().data());
  f.Backward(xf);
  const Eigen::VectorXd diff = f.gradients().cast<double>() - d.gradients();
  EXPECT_LT(diff.cwiseAbs().maxCoeff(), 1e-5);
}

TEST(MlpTest, ZeroWidthsAreRefused) {
  EXPECT_FALSE(BuildLayers<float>({3, 1, 1}, MlpLayers({0}, Activation::kRelu, 0, 2)).ok());
  EXPECT_FALSE(BuildLayers<float>({3, 1, 1}, MlpLayers({4}, Activation::kRelu, 0, 0)).ok());
}

// Layer by layer W (out x in, column-major), then b, as torch's parameters().
TEST(MlpTest, ParametersAreOneBufferInLayerOrder) {
  Sequential<float> mlp = MakeMlp<float>({3, 4, 2}, Activation::kRelu, 1);
  EXPECT_EQ(mlp.num_parameters(), 3 * 4 + 4 + 4 * 2 + 2);
  const float* base = mlp.parameters().data();
  EXPECT_EQ(Weight(mlp, 0).data(), base);
  EXPECT_EQ(Bias(mlp, 0).data(), base + 12);
  EXPECT_EQ(Weight(mlp, 1).data(), base + 16);
  EXPECT_EQ(Bias(mlp, 1).data(), base + 24);
}

}  // namespace
}  // namespace hpo::engine
