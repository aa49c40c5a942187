#include "server/sampler/gp_fit_chain.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace hpo::server {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// n points in [0, 1]^3 and a smooth function of them (larger is better).
void Observations(int n, MatrixXd* x, VectorXd* values) {
  std::mt19937_64 engine(5);
  std::uniform_real_distribution<double> unit(0, 1);
  *x = MatrixXd(n, 3);
  *values = VectorXd(n);
  for (int i = 0; i < n; ++i) {
    for (int d = 0; d < 3; ++d) (*x)(i, d) = unit(engine);
    (*values)[i] = -std::pow((*x)(i, 0) - 0.3, 2) - 0.5 * std::sin(4 * (*x)(i, 1)) + (*x)(i, 2);
  }
}

void ExpectSameParams(const GpParams& a, const GpParams& b) {
  EXPECT_EQ(a.inverse_squared_lengthscales, b.inverse_squared_lengthscales);
  EXPECT_EQ(a.kernel_scale, b.kernel_scale);
  EXPECT_EQ(a.noise_var, b.noise_var);
}

// What a fresh chain (a restarted coordinator's) fits to the first n.
GpParams FreshFit(const MatrixXd& x, const VectorXd& values, int n, GpData* data) {
  GpFitChain fresh(10, 300, false);
  return fresh.Fit(x, values, std::vector<bool>(3, false), n, data);
}

TEST(GpFitChainTest, AnchorsClearTheLowestBitOrHalveAPowerOfTwo) {
  EXPECT_EQ(GpFitChain::Anchor(101), 100);
  EXPECT_EQ(GpFitChain::Anchor(100), 96);
  EXPECT_EQ(GpFitChain::Anchor(96), 64);
  EXPECT_EQ(GpFitChain::Anchor(64), 32);
  EXPECT_EQ(GpFitChain::Anchor(1), 0);
  for (int n = 1; n < 5000; ++n) EXPECT_LT(GpFitChain::Anchor(n), n);
}

TEST(GpFitChainTest, KeepsEveryTrialUpToTheCapStandardised) {
  MatrixXd x;
  VectorXd values;
  Observations(40, &x, &values);
  const GpData data = SelectGpData(x, values, 30, 50);
  ASSERT_EQ(data.x.rows(), 30);
  EXPECT_EQ(data.x, x.topRows(30));
  EXPECT_NEAR(data.y.mean(), 0, 1e-12);
  EXPECT_NEAR(std::sqrt(data.y.array().square().mean()), 1, 1e-12);
  const VectorXd head = values.head(30);
  const double std_dev = std::sqrt((head.array() - head.mean()).square().mean());
  for (int i = 0; i < 30; ++i) {
    EXPECT_NEAR(data.y[i], (head[i] - head.mean()) / std_dev, 1e-12) << i;
  }
}

TEST(GpFitChainTest, BeyondTheCapKeepsTheBestHalfAndASpreadOfTheRest) {
  MatrixXd x;
  VectorXd values;
  Observations(400, &x, &values);
  const GpData data = SelectGpData(x, values, 400, 100);
  ASSERT_EQ(data.x.rows(), 100);
  ASSERT_EQ(data.y.size(), 100);
  // Which rows were kept, in order.
  std::vector<int> rows;
  for (int r = 0; r < 100; ++r) {
    for (int i = 0; i < 400; ++i) {
      if (data.x.row(r) == x.row(i)) rows.push_back(i);
    }
  }
  ASSERT_EQ(rows.size(), 100u);
  EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end())) << "kept in number order";
  std::vector<double> sorted(values.data(), values.data() + 400);
  std::sort(sorted.rbegin(), sorted.rend());
  int best_kept = 0, early = 0, late = 0;
  for (int i : rows) {
    if (values[i] >= sorted[49]) ++best_kept;
    if (i < 100) ++early;
    if (i >= 300) ++late;
  }
  EXPECT_EQ(best_kept, 50) << "the 50 best are all kept";
  EXPECT_GE(early, 15) << "the others spread over the numbers";
  EXPECT_GE(late, 15);
  // The best value is among them, so EI's threshold is the study's best.
  Eigen::Index best_row;
  data.y.maxCoeff(&best_row);
  EXPECT_EQ(values[rows[best_row]], sorted[0]);
}

TEST(GpFitChainTest, AGrownChainFitsAsAFreshOneAndMakesOneFitPerNewTrial) {
  MatrixXd x;
  VectorXd values;
  Observations(70, &x, &values);
  const std::vector<bool> categorical(3, false);
  GpFitChain grown(10, 300, false);
  GpData data;
  grown.Fit(x, values, categorical, 40, &data);
  for (int n = 41; n <= 70; ++n) {
    const int before = grown.fits_made();
    const GpParams params = grown.Fit(x, values, categorical, n, &data);
    EXPECT_EQ(grown.fits_made(), before + 1) << n << ": only the new prefix is fitted";
    EXPECT_EQ(data.x.rows(), n);
    GpData fresh_data;
    ExpectSameParams(FreshFit(x, values, n, &fresh_data), params);
  }
  // The same data again: no fit at all.
  const int before = grown.fits_made();
  grown.Fit(x, values, categorical, 70, &data);
  EXPECT_EQ(grown.fits_made(), before);
}

TEST(GpFitChainTest, AChangedEarlyTrialRefitsWhatDependsOnIt) {
  MatrixXd x;
  VectorXd values;
  Observations(60, &x, &values);
  const std::vector<bool> categorical(3, false);
  GpFitChain chain(10, 300, false);
  GpData data;
  chain.Fit(x, values, categorical, 60, &data);
  // Trial 20 (a trial that completed late, say) is now different.
  values[20] += 1;
  const int before = chain.fits_made();
  const GpParams params = chain.Fit(x, values, categorical, 60, &data);
  // Prefixes 60 and 56 hold trial 20, 48 and 32 too; 16 does not.
  EXPECT_EQ(chain.fits_made(), before + 4);
  GpData fresh_data;
  ExpectSameParams(FreshFit(x, values, 60, &fresh_data), params);
  EXPECT_EQ(fresh_data.y, data.y);
}

}  // namespace
}  // namespace hpo::server
