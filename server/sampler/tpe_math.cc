#include "server/sampler/tpe_math.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace hpo::server::tpe {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr int64_t kFlatWeights = 25;  // the newest this many weigh 1
constexpr double kTinySigma = 1e-12;

}  // namespace

int64_t NBelow(int64_t n, double gamma) {
  if (n <= 0) return 0;
  const auto ceiled = static_cast<int64_t>(std::ceil(gamma * static_cast<double>(n)));
  return std::min({ceiled, int64_t{25}, n});
}

std::vector<double> RampWeights(int64_t m) {
  std::vector<double> weights(static_cast<size_t>(std::max<int64_t>(m, 0)), 1.0);
  const int64_t ramp = m - kFlatWeights;
  if (ramp <= 0) return weights;
  // numpy.linspace(1/m, 1, m - 25): endpoints included.
  const double start = 1.0 / static_cast<double>(m);
  if (ramp == 1) {
    weights[0] = start;
  } else {
    const double step = (1.0 - start) / static_cast<double>(ramp - 1);
    for (int64_t i = 0; i < ramp; ++i) weights[i] = start + static_cast<double>(i) * step;
    weights[ramp - 1] = 1.0;
  }
  return weights;
}

std::vector<double> NormalisedWeightsWithPrior(int64_t m, double prior_weight) {
  std::vector<double> weights = RampWeights(m);
  weights.push_back(prior_weight);
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  for (double& w : weights) w /= total;
  return weights;
}

SigmaClip MagicClip(int64_t n, double range, bool consider_magic_clip) {
  if (!consider_magic_clip) return {kTinySigma, range};
  return {range / std::min(100.0, static_cast<double>(n) + 2.0), range};
}

void SortedUnivariateSigmas(const double* sorted_mus, int64_t n, double low, double high,
                            bool consider_endpoints, SigmaClip clip, double* sigmas) {
  for (int64_t i = 0; i < n; ++i) {
    const double left = i == 0 ? low : sorted_mus[i - 1];
    const double right = i == n - 1 ? high : sorted_mus[i + 1];
    sigmas[i] = std::max(sorted_mus[i] - left, right - sorted_mus[i]);
  }
  if (!consider_endpoints && n >= 2) {
    sigmas[0] = sorted_mus[1] - sorted_mus[0];
    sigmas[n - 1] = sorted_mus[n - 1] - sorted_mus[n - 2];
  }
  for (int64_t i = 0; i < n; ++i) sigmas[i] = std::clamp(sigmas[i], clip.min, clip.max);
}

std::vector<double> UnivariateSigmas(const std::vector<double>& mus, double low, double high,
                                     bool consider_endpoints, bool consider_magic_clip) {
  const auto n = static_cast<int64_t>(mus.size());
  std::vector<int64_t> order(mus.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return mus[a] < mus[b]; });
  std::vector<double> sorted(mus.size()), sorted_sigmas(mus.size()), sigmas(mus.size());
  for (int64_t i = 0; i < n; ++i) sorted[i] = mus[order[i]];
  SortedUnivariateSigmas(sorted.data(), n, low, high, consider_endpoints,
                         MagicClip(n, high - low, consider_magic_clip), sorted_sigmas.data());
  for (int64_t i = 0; i < n; ++i) sigmas[order[i]] = sorted_sigmas[i];
  return sigmas;
}

CategoricalKernel MakeCategoricalKernel(int64_t n, int64_t n_choices, double prior_weight) {
  const double spread = prior_weight / static_cast<double>(n + 1);
  const double total = spread * static_cast<double>(n_choices) + 1.0;
  return {std::log((spread + 1.0) / total), std::log(spread / total)};
}

double NormalCdf(double x) { return 0.5 * std::erfc(-x * kInvSqrt2); }

double LogNormalCdf(double x) {
  if (x > 6) return std::log1p(-0.5 * std::erfc(x * kInvSqrt2));
  if (x > -20) return std::log(0.5 * std::erfc(-x * kInvSqrt2));
  // Asymptotic series of the Mills ratio: Phi(x) ~ phi(x)/|x| (1 - 1/x^2 + 3/x^4 - 15/x^6).
  const double x2 = x * x;
  const double series = 1.0 - 1.0 / x2 + 3.0 / (x2 * x2) - 15.0 / (x2 * x2 * x2);
  return -0.5 * x2 - kLogSqrt2Pi - std::log(-x) + std::log(series);
}

double LogGaussMass(double a, double b) {
  if (!(a < b)) return -std::numeric_limits<double>::infinity();
  if (b <= 0) {
    const double log_b = LogNormalCdf(b);
    return log_b + std::log1p(-std::exp(LogNormalCdf(a) - log_b));
  }
  if (a >= 0) {
    const double log_neg_a = LogNormalCdf(-a);
    return log_neg_a + std::log1p(-std::exp(LogNormalCdf(-b) - log_neg_a));
  }
  return std::log1p(-NormalCdf(a) - NormalCdf(-b));
}

double NormalQuantile(double p) {
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  // Acklam's rational approximation (relative error 1.2e-9), then one Halley
  // step against erfc, which brings it to double precision.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x;
  if (p < kLow) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - kLow) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double e = NormalCdf(x) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

double TruncNormLogPdf(double x, double mu, double sigma, double low, double high) {
  if (x < low || x > high) return -std::numeric_limits<double>::infinity();
  const double z = (x - mu) / sigma;
  return -0.5 * z * z - kLogSqrt2Pi - std::log(sigma) -
         LogGaussMass((low - mu) / sigma, (high - mu) / sigma);
}

double DiscreteTruncNormLogMass(double x, double q, double mu, double sigma, double low,
                                double high) {
  const double lower = std::max(x - 0.5 * q, low);
  const double upper = std::min(x + 0.5 * q, high);
  return LogGaussMass((lower - mu) / sigma, (upper - mu) / sigma) -
         LogGaussMass((low - mu) / sigma, (high - mu) / sigma);
}

double SampleTruncNorm(double u, double mu, double sigma, double low, double high) {
  // Invert on whichever side of the mean the draw falls, always through the
  // lower tail of the CDF, so that neither tail loses precision.
  const double a = (low - mu) / sigma;
  const double b = (high - mu) / sigma;
  double z;
  if (b <= 0) {
    const double pa = NormalCdf(a), pb = NormalCdf(b);
    z = NormalQuantile(pa + u * (pb - pa));
  } else if (a >= 0) {
    const double qa = NormalCdf(-a), qb = NormalCdf(-b);
    z = -NormalQuantile(qa - u * (qa - qb));
  } else {
    const double left = 0.5 - NormalCdf(a);    // mass in [a, 0]
    const double right = 0.5 - NormalCdf(-b);  // mass in [0, b]
    const double v = u * (left + right);
    if (v < left) {
      z = NormalQuantile(NormalCdf(a) + v);
    } else {
      z = -NormalQuantile(NormalCdf(-b) + (left + right - v));
    }
  }
  return std::clamp(mu + sigma * z, low, high);
}

}  // namespace hpo::server::tpe
