#include "server/sampler/gp_log_ei.h"

#include <cmath>

namespace hpo::server {
namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

}  // namespace

LogH LogHOf(double z) {
  if (z > -3) {
    const double phi = std::exp(-0.5 * z * z - kLogSqrt2Pi);
    const double Phi = 0.5 * std::erfc(-z / std::sqrt(2.0));
    const double h = phi + z * Phi;
    return {std::log(h), phi / h, Phi / h};
  }
  // t = -z >= 3. Mills' ratio R(t) = (1 - Phi(t)) / phi(t) = 1 / (t + c),
  // c = 1 / (t + 2 / (t + 3 / (t + ...))), so with Phi(z) = phi(z) R(t):
  // h(z) = phi(z) (1 - t R(t)) = phi(z) c / (t + c).
  const double t = -z;
  // Backward evaluation of the fraction below c, with as many terms as give
  // c to double precision (checked against 400 terms): it converges faster
  // as t grows.
  const int terms = t < 6 ? 60 : t < 10 ? 24 : 16;
  double tail = 0;
  for (int k = terms; k >= 2; --k) tail = k / (t + tail);
  const double c = 1 / (t + tail);
  const double log_phi = -0.5 * z * z - kLogSqrt2Pi;
  return {log_phi + std::log(c) - std::log(t + c), (t + c) / c, 1 / c};
}

LogEi LogExpectedImprovement(double mean, double sigma, double best) {
  const double z = (mean - best) / sigma;
  const LogH h = LogHOf(z);
  // d/dmean: Phi/h / sigma; d/dsigma: (1 - z Phi/h) / sigma = phi/h / sigma.
  return {std::log(sigma) + h.value, h.Phi_over_h / sigma, h.phi_over_h / sigma};
}

}  // namespace hpo::server
