#include "server/sampler/tpe_math.h"

#include <cmath>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/sampler/tpe_kernels.h"

namespace hpo::server::tpe {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::Pointwise;

TEST(TpeMathTest, NBelowIsTenPercentRoundedUpAtMost25) {
  EXPECT_EQ(NBelow(0, 0.1), 0);
  EXPECT_EQ(NBelow(1, 0.1), 1);
  EXPECT_EQ(NBelow(10, 0.1), 1);
  EXPECT_EQ(NBelow(11, 0.1), 2);
  EXPECT_EQ(NBelow(100, 0.1), 10);
  EXPECT_EQ(NBelow(241, 0.1), 25);
  EXPECT_EQ(NBelow(10000, 0.1), 25);
  EXPECT_EQ(NBelow(5, 1.0), 5);
  EXPECT_EQ(NBelow(40, 0.25), 10);
}

TEST(TpeMathTest, RampWeights) {
  EXPECT_THAT(RampWeights(0), ElementsAre());
  EXPECT_THAT(RampWeights(3), ElementsAre(1, 1, 1));
  EXPECT_EQ(RampWeights(24), std::vector<double>(24, 1.0));
  EXPECT_EQ(RampWeights(25), std::vector<double>(25, 1.0));
  // m = 30: numpy.linspace(1/30, 1, 5) for the oldest 5, then 25 ones.
  std::vector<double> w = RampWeights(30);
  ASSERT_EQ(w.size(), 30u);
  EXPECT_THAT(
      std::vector<double>(w.begin(), w.begin() + 5),
      Pointwise(DoubleNear(1e-15), {1.0 / 30, 0.275, 0.5166666666666667, 0.7583333333333333, 1.0}));
  for (size_t i = 5; i < 30; ++i) EXPECT_EQ(w[i], 1.0);
  // A single ramp element sits at 1/m.
  EXPECT_DOUBLE_EQ(RampWeights(26)[0], 1.0 / 26);
}

TEST(TpeMathTest, WeightsWithPriorAreNormalised) {
  EXPECT_THAT(NormalisedWeightsWithPrior(3, 1.0), ElementsAre(0.25, 0.25, 0.25, 0.25));
  EXPECT_THAT(NormalisedWeightsWithPrior(0, 1.0), ElementsAre(1.0));
  EXPECT_THAT(NormalisedWeightsWithPrior(1, 3.0), ElementsAre(0.25, 0.75));
}

TEST(TpeMathTest, UnivariateSigmasByHand) {
  // Centres 0.2, 0.5, 0.55 on [0, 1]; padded: 0, .2, .5, .55, 1.
  // Larger gaps: .3, .3, .45; without endpoints the outer two take their
  // inner gap: .3 and .05. Magic clip: [1 / min(100, 3 + 2), 1] = [.2, 1].
  const std::vector<double> mus = {0.55, 0.2, 0.5};  // any order in, same order out
  EXPECT_THAT(UnivariateSigmas(mus, 0, 1, false, true),
              Pointwise(DoubleNear(1e-15), {0.2, 0.3, 0.3}));
  EXPECT_THAT(UnivariateSigmas(mus, 0, 1, false, false),
              Pointwise(DoubleNear(1e-15), {0.05, 0.3, 0.3}));
  EXPECT_THAT(UnivariateSigmas(mus, 0, 1, true, true),
              Pointwise(DoubleNear(1e-15), {0.45, 0.3, 0.3}));
  // One centre: both gaps count; clip [1/3, 1] on a range of 1.
  EXPECT_THAT(UnivariateSigmas({0.9}, 0, 1, false, true), ElementsAre(DoubleNear(0.9, 1e-15)));
  EXPECT_THAT(UnivariateSigmas({0.1, 0.12}, 0, 1, false, true),
              Pointwise(DoubleNear(1e-15), {0.25, 0.25}));
  // Past 98 centres the lower clip stays at range / 100.
  EXPECT_DOUBLE_EQ(MagicClip(5000, 2.0, true).min, 0.02);
  EXPECT_DOUBLE_EQ(MagicClip(5000, 2.0, true).max, 2.0);
}

TEST(TpeMathTest, CategoricalKernel) {
  // n = 3 observations, 4 choices, prior weight 1: 1/4 on every choice and
  // 1 more on the observed one, over a total of 2.
  const CategoricalKernel k = MakeCategoricalKernel(3, 4, 1.0);
  EXPECT_NEAR(std::exp(k.log_match), 0.625, 1e-15);
  EXPECT_NEAR(std::exp(k.log_other), 0.125, 1e-15);
  EXPECT_NEAR(std::exp(k.log_match) + 3 * std::exp(k.log_other), 1.0, 1e-15);
}

// Reference values computed independently with python3's math module:
//   Phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))
//   Q = lambda x: 0.5 * math.erfc(x / math.sqrt(2))
//   logpdf = -0.5 z^2 - log(sqrt(2 pi)) - log(sigma) - log(Phi(b) - Phi(a))
TEST(TpeMathTest, TruncNormLogPdfAgainstPython) {
  EXPECT_NEAR(TruncNormLogPdf(0.3, 0.1, 0.25, -0.5, 1.0), 0.1557475849357315, 1e-13);
  EXPECT_NEAR(TruncNormLogPdf(-0.45, 0.9, 0.05, -0.5, 1.0), -362.40019335032173, 1e-10);
  EXPECT_EQ(TruncNormLogPdf(1.5, 0.1, 0.25, -0.5, 1.0), -INFINITY);
  // It integrates to 1 over [low, high] (midpoint rule).
  double total = 0;
  const int steps = 200000;
  for (int i = 0; i < steps; ++i) {
    const double x = -0.5 + (i + 0.5) * 1.5 / steps;
    total += std::exp(TruncNormLogPdf(x, 0.1, 0.25, -0.5, 1.0)) * 1.5 / steps;
  }
  EXPECT_NEAR(total, 1.0, 1e-9);
}

TEST(TpeMathTest, LogGaussMassInTheTails) {
  // math.log(Q(8) - Q(9)) and math.log(Q(9) - Q(10)): Phi differences
  // would cancel to 0 here.
  EXPECT_NEAR(LogGaussMass(8, 9), -35.013618593437144, 1e-10);
  EXPECT_NEAR(LogGaussMass(-10, -9), -43.62821663228082, 1e-10);
  EXPECT_NEAR(LogGaussMass(-1, 1), std::log(std::erf(1 / std::sqrt(2.0))), 1e-15);
  EXPECT_NEAR(LogGaussMass(-40, -39), -0.5 * 39 * 39 - std::log(39.0) - kLogSqrt2Pi, 0.05);
  EXPECT_EQ(LogGaussMass(1, 1), -INFINITY);
}

TEST(TpeMathTest, DiscreteKernelMassAgainstPython) {
  // Grid 0..10 step 1 widened to [-0.5, 10.5]; kernel at 1.2 with sigma 2:
  // math.log((Phi(2.3/2) - Phi(1.3/2)) / (Phi(9.3/2) - Phi(-1.7/2))).
  EXPECT_NEAR(DiscreteTruncNormLogMass(3, 1, 1.2, 2, -0.5, 10.5), -1.798877465948819, 1e-13);
  // Far tail, via Q: math.log((Q(8.3/.8) - Q(9.3/.8)) / (Phi(9.3/.8) - Phi(-1.7/.8))).
  EXPECT_NEAR(DiscreteTruncNormLogMass(10, 1, 1.2, 0.8, -0.5, 10.5), -57.07079882841262, 1e-9);
  // The masses of all grid points sum to 1.
  double total = 0;
  for (int x = 0; x <= 10; ++x)
    total += std::exp(DiscreteTruncNormLogMass(x, 1, 1.2, 2, -0.5, 10.5));
  EXPECT_NEAR(total, 1.0, 1e-14);
}

TEST(TpeMathTest, NormalQuantile) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-14);
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(NormalQuantile(1e-10), -6.361340902404056, 1e-12);
  for (double p : {1e-300, 1e-20, 0.01, 0.3, 0.7, 0.99, 1 - 1e-12}) {
    EXPECT_NEAR(NormalCdf(NormalQuantile(p)), p, 1e-14 * std::max(p, 1e-3)) << p;
  }
}

TEST(TpeMathTest, TruncNormSamplesStayInsideAndMatchTheMean) {
  std::mt19937_64 engine(1);
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = static_cast<double>(engine() >> 11) * 0x1.0p-53;
    const double x = SampleTruncNorm(u, 0.9, 0.5, 0.0, 1.0);
    ASSERT_GE(x, 0.0);
    ASSERT_LE(x, 1.0);
    sum += x;
  }
  // Mean of N(0.9, 0.5) on [0, 1]: mu + sigma (phi(a) - phi(b)) / (Phi(b) - Phi(a)),
  // a = -1.8, b = 0.2; by python3: 0.5654166891.. (see comment below).
  // phi = lambda x: math.exp(-x*x/2) / math.sqrt(2*math.pi)
  // 0.9 + 0.5 * (phi(-1.8) - phi(0.2)) / (Phi(0.2) - Phi(-1.8))
  const double a = -1.8, b = 0.2;
  auto phi = [](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * M_PI); };
  const double mean = 0.9 + 0.5 * (phi(a) - phi(b)) / (NormalCdf(b) - NormalCdf(a));
  EXPECT_NEAR(sum / n, mean, 3e-3);
  // In a far tail the median draw still has half the mass on each side.
  const double upper = SampleTruncNorm(0.5, 0.0, 1.0, 5.0, 6.0);
  EXPECT_NEAR(NormalCdf(-upper), 0.5 * (NormalCdf(-5.0) + NormalCdf(-6.0)),
              1e-12 * NormalCdf(-5.0));
  const double lower = SampleTruncNorm(0.5, 0.0, 1.0, -6.0, -5.0);
  EXPECT_NEAR(lower, -upper, 1e-12);
}

TEST(TpeKernelsTest, FastExpAndLogSumExp) {
  for (double x : {0.0, -1e-9, -0.3, -1.0, -10.5, -100.0, -700.0}) {
    EXPECT_NEAR(ExpNonPositive(x) / std::exp(x), 1.0, 1e-15) << x;
  }
  const double t[] = {-1000.0, -1.0, -2.0, -INFINITY, 3.0};
  EXPECT_NEAR(LogSumExp(t, 5), std::log(std::exp(-1.0) + std::exp(-2.0) + std::exp(3.0)), 1e-14);
  const double none[] = {-INFINITY};
  EXPECT_EQ(LogSumExp(none, 1), -INFINITY);
  EXPECT_EQ(LogSumExp(t, 0), -INFINITY);
}

TEST(TpeKernelsTest, AddGaussianTermsUsesEachKernelsBandwidth) {
  const double mu[] = {0.0, 1.0, -2.0, 4.0, 0.5};
  const double inv_sigma[] = {1.0, 0.5, 2.0, 0.25, 10.0};
  double terms[] = {1.0, 2.0, 3.0, 4.0, 5.0};
  AddGaussianTerms(1.5, mu, inv_sigma, 5, terms);
  // 1 - 0.5 * 1.5^2, 2 - 0.5 * 0.25^2, 3 - 0.5 * 7^2, 4 - 0.5 * 0.625^2, 5 - 0.5 * 10^2.
  EXPECT_THAT(terms, Pointwise(DoubleNear(1e-15), {-0.125, 1.96875, -21.5, 3.8046875, -45.0}));
}

}  // namespace
}  // namespace hpo::server::tpe
