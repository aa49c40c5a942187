// Log expected improvement, computed stably far below the best value, where
// EI itself underflows to 0 and a search over candidates would see a flat
// zero acquisition (the reason Optuna's GPSampler and BoTorch use log EI).
//
// For a Gaussian posterior N(mean, sigma^2) and the best value so far `best`
// (larger is better), EI = sigma h(z), z = (mean - best) / sigma,
// h(z) = phi(z) + z Phi(z). For z below -3, h is computed through the
// continued fraction of Mills' ratio, without the cancellation of
// phi(z) + z Phi(z).
#ifndef HPO_SERVER_SAMPLER_GP_LOG_EI_H_
#define HPO_SERVER_SAMPLER_GP_LOG_EI_H_

namespace hpo::server {

struct LogH {
  double value;       // log h(z)
  double phi_over_h;  // phi(z) / h(z)
  double Phi_over_h;  // Phi(z) / h(z) = d log h / dz
};

LogH LogHOf(double z);

struct LogEi {
  double value;    // log EI
  double d_mean;   // d log EI / d mean
  double d_sigma;  // d log EI / d sigma
};

// sigma > 0.
LogEi LogExpectedImprovement(double mean, double sigma, double best);

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_GP_LOG_EI_H_
