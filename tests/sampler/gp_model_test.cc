#include "server/sampler/gp_model.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "server/sampler/gp_log_ei.h"

namespace hpo::server {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// log(phi(z) + z Phi(z)) straight from the definition (accurate for z > -6).
double DirectLogH(double z) {
  const double phi = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
  const double Phi = 0.5 * std::erfc(-z / std::sqrt(2.0));
  return std::log(phi + z * Phi);
}

TEST(GpLogEiTest, MatchesTheDefinitionWhereThatIsAccurate) {
  for (double z : {6.0, 2.0, 0.5, 0.0, -1.0, -2.9, -3.0, -3.1, -4.0, -5.0}) {
    EXPECT_NEAR(LogHOf(z).value, DirectLogH(z), 1e-7 * std::abs(DirectLogH(z)) + 1e-12) << z;
  }
}

TEST(GpLogEiTest, StaysFiniteAndFollowsTheTailFarBelow) {
  for (double z : {-40.0, -1e3, -1e6}) {
    // h(z) ~ phi(z) / z^2 (1 - 3 / z^2 + 15 / z^4) for z -> -inf.
    const double expected = -0.5 * z * z - 0.5 * std::log(2 * M_PI) - 2 * std::log(-z) +
                            std::log1p(-3 / (z * z) + 15 / (z * z * z * z));
    EXPECT_NEAR(LogHOf(z).value, expected, 1e-9 * std::abs(expected)) << z;
  }
  double last = LogHOf(-60).value;
  for (double z = -59.5; z < 5; z += 0.5) {  // increasing everywhere
    const double now = LogHOf(z).value;
    EXPECT_GT(now, last) << z;
    last = now;
  }
}

TEST(GpLogEiTest, DerivativesMatchFiniteDifferences) {
  for (double z : {3.0, 0.0, -2.5, -3.5, -10.0, -30.0}) {
    const double h = 1e-6 * std::max(1.0, std::abs(z));
    const double numeric = (LogHOf(z + h).value - LogHOf(z - h).value) / (2 * h);
    EXPECT_NEAR(LogHOf(z).Phi_over_h, numeric, 1e-5 * std::abs(numeric)) << z;
  }
  const LogEi ei = LogExpectedImprovement(0.3, 0.7, 1.1);
  const double h = 1e-6;
  EXPECT_NEAR(ei.d_mean,
              (LogExpectedImprovement(0.3 + h, 0.7, 1.1).value -
               LogExpectedImprovement(0.3 - h, 0.7, 1.1).value) /
                  (2 * h),
              1e-5);
  EXPECT_NEAR(ei.d_sigma,
              (LogExpectedImprovement(0.3, 0.7 + h, 1.1).value -
               LogExpectedImprovement(0.3, 0.7 - h, 1.1).value) /
                  (2 * h),
              1e-5);
}

// Points in [0, 1]^3 whose last column is a categorical index in {0, 1, 2},
// and a function of the first column only.
struct Data {
  MatrixXd x;
  VectorXd y;
  std::vector<bool> categorical = {false, false, true};
};

Data MakeData(int n) {
  std::mt19937_64 engine(7);
  std::uniform_real_distribution<double> unit(0, 1);
  Data data;
  data.x.resize(n, 3);
  data.y.resize(n);
  for (int a = 0; a < n; ++a) {
    data.x(a, 0) = unit(engine);
    data.x(a, 1) = unit(engine);
    data.x(a, 2) = static_cast<double>(engine() % 3);
    data.y[a] = std::sin(6 * data.x(a, 0)) + 0.3 * data.x(a, 2);
  }
  data.y = (data.y.array() - data.y.mean()) /
           std::sqrt((data.y.array() - data.y.mean()).square().mean());
  return data;
}

TEST(GpModelTest, TheFitsGradientMatchesFiniteDifferences) {
  const Data data = MakeData(25);
  for (bool deterministic : {false, true}) {
    VectorXd all(5);
    all << 0.3, -1.0, 0.5, -0.2, -3.0;  // log theta (3), log scale, log noise
    const VectorXd phi = deterministic ? VectorXd(all.head(4)) : all;
    VectorXd gradient, ignored;
    GpNegativeLogPosterior(data.x, data.y, data.categorical, deterministic, phi, &gradient);
    for (int i = 0; i < phi.size(); ++i) {
      VectorXd plus = phi, minus = phi;
      plus[i] += 1e-5;
      minus[i] -= 1e-5;
      const double numeric =
          (GpNegativeLogPosterior(data.x, data.y, data.categorical, deterministic, plus, &ignored) -
           GpNegativeLogPosterior(data.x, data.y, data.categorical, deterministic, minus,
                                  &ignored)) /
          2e-5;
      EXPECT_NEAR(gradient[i], numeric, 1e-4 * std::max(1.0, std::abs(numeric)))
          << "parameter " << i << (deterministic ? " (deterministic)" : "");
    }
  }
}

TEST(GpModelTest, TheFitFindsTheRelevantDimensionsAndABetterPosterior) {
  const Data data = MakeData(40);
  const GpParams start = GpParams::Default(3);
  const GpParams fitted = FitGpParams(data.x, data.y, data.categorical, start, false);
  // x0 matters (a short lengthscale), x1 does not (a long one).
  EXPECT_GT(fitted.inverse_squared_lengthscales[0], 10 * fitted.inverse_squared_lengthscales[1]);
  auto score = [&](const GpParams& params) {
    std::optional<GpModel> model = GpModel::Make(data.x, data.y, data.categorical, params);
    EXPECT_TRUE(model.has_value());
    return model->LogMarginalLikelihood() + GpLogPrior(params);
  };
  EXPECT_GT(score(fitted), score(start) + 1);
  // Warm-started from its own optimum, the fit stays there.
  const GpParams again = FitGpParams(data.x, data.y, data.categorical, fitted, false);
  EXPECT_NEAR(score(again), score(fitted), 1e-3 * std::abs(score(fitted)));
}

TEST(GpModelTest, APosteriorInterpolatesAndItsGradientsMatchFiniteDifferences) {
  const Data data = MakeData(30);
  GpParams params = FitGpParams(data.x, data.y, data.categorical, GpParams::Default(3), true);
  std::optional<GpModel> model = GpModel::Make(data.x, data.y, data.categorical, params);
  ASSERT_TRUE(model.has_value());
  double mean, var;
  for (int a = 0; a < 5; ++a) {  // at an observation: its value, no variance left
    model->Posterior(data.x.row(a).transpose(), &mean, &var);
    EXPECT_NEAR(mean, data.y[a], 1e-3);
    EXPECT_LT(var, 1e-4);
  }
  VectorXd point(3);
  point << 0.37, 0.81, 1;
  VectorXd d_mean, d_var;
  model->Posterior(point, &mean, &var, &d_mean, &d_var);
  EXPECT_GT(var, 0);
  EXPECT_EQ(d_mean[2], 0);  // categorical: no gradient
  for (int j = 0; j < 2; ++j) {
    VectorXd plus = point, minus = point;
    plus[j] += 1e-6;
    minus[j] -= 1e-6;
    double mean_plus, var_plus, mean_minus, var_minus;
    model->Posterior(plus, &mean_plus, &var_plus);
    model->Posterior(minus, &mean_minus, &var_minus);
    EXPECT_NEAR(d_mean[j], (mean_plus - mean_minus) / 2e-6,
                1e-4 * std::max(1.0, std::abs(d_mean[j])));
    EXPECT_NEAR(d_var[j], (var_plus - var_minus) / 2e-6, 1e-4 * std::max(1.0, std::abs(d_var[j])));
  }
}

TEST(GpModelTest, ABatchPosteriorIsTheSameAsOneAtATime) {
  const Data data = MakeData(20);
  std::optional<GpModel> model =
      GpModel::Make(data.x, data.y, data.categorical, GpParams::Default(3));
  ASSERT_TRUE(model.has_value());
  Eigen::MatrixXd points(3, 4);
  points << 0.1, 0.5, 0.9, data.x(0, 0),  //
      0.2, 0.4, 0.7, data.x(0, 1),        //
      0, 2, 1, data.x(0, 2);
  Eigen::VectorXd means, vars;
  model->PosteriorBatch(points, &means, &vars);
  for (int c = 0; c < 4; ++c) {
    double mean, var;
    model->Posterior(points.col(c), &mean, &var);
    EXPECT_NEAR(means[c], mean, 1e-12);
    EXPECT_NEAR(vars[c], var, 1e-12);
  }
}

}  // namespace
}  // namespace hpo::server
