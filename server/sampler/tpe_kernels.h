// The inner loops of TPE's acquisition: log-sum-exp over a mixture's
// kernels for one candidate, written with explicit vector lanes so that they
// vectorise without fast-math and give the same result on every ISA.
// Thread-safe.
#ifndef HPO_SERVER_SAMPLER_TPE_KERNELS_H_
#define HPO_SERVER_SAMPLER_TPE_KERNELS_H_

#include <cstdint>

namespace hpo::server::tpe {

// exp(x) for x <= 0 to about 1e-15 relative (x below -708 gives a value
// of about 1e-308 instead of denormals or 0: harmless inside a sum that
// holds a term equal to 1).
double ExpNonPositive(double x);

// log(sum_k exp(t[k])); -inf when n is 0 or every t is -inf.
double LogSumExp(const double* t, int64_t n);

// terms[k] = c[k] - 0.5 * ((x - mu[k]) * inv_sigma[k])^2.
void GaussianTerms(double x, const double* mu, const double* inv_sigma, const double* c, int64_t n,
                   double* terms);

// terms[k] -= 0.5 * ((x - mu[k]) * inv_sigma[k])^2: one more dimension of
// joint kernels.
void AddGaussianTerms(double x, const double* mu, const double* inv_sigma, int64_t n,
                      double* terms);

}  // namespace hpo::server::tpe

#endif  // HPO_SERVER_SAMPLER_TPE_KERNELS_H_
