// The deterministic pieces of the Tree-structured Parzen Estimator, as pure
// functions so that tests can check each against independent numbers:
// the good/bad split size, the weights ramp, the bandwidth rules, the
// categorical kernel and the (truncated) normal densities. Semantics follow
// Optuna 4.9's samplers/_tpe (see /work/shared/reference/algorithms.md);
// every function is thread-safe.
#ifndef HPO_SERVER_SAMPLER_TPE_MATH_H_
#define HPO_SERVER_SAMPLER_TPE_MATH_H_

#include <cstdint>
#include <random>
#include <vector>

namespace hpo::server::tpe {

inline constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

// n_below = min(ceil(gamma * n), 25), and never more than n.
int64_t NBelow(int64_t n, double gamma);

// Unnormalised weights of a group of m observations in trial order: all ones
// when m < 25, else a linear ramp from 1/m to 1 over the oldest m - 25 and
// ones for the newest 25.
std::vector<double> RampWeights(int64_t m);

// RampWeights(m) with a prior weight appended, normalised to sum to 1.
std::vector<double> NormalisedWeightsWithPrior(int64_t m, double prior_weight);

// The magic-clip interval of bandwidths for a group of n observations (plus
// the prior) on a range: [range / min(100, n + 2), range]. Without magic clip
// the lower end is 1e-12.
struct SigmaClip {
  double min;
  double max;
};
SigmaClip MagicClip(int64_t n, double range, bool consider_magic_clip);

// Univariate bandwidths for centres already sorted ascending (the prior's
// centre not among them, as in Optuna 4.9): padded with low and high, each
// sigma is the larger gap to its neighbours; without consider_endpoints the
// first and last use only their inner gap (when there are at least two
// centres). Then clipped to `clip`. Writes n values to `sigmas`.
void SortedUnivariateSigmas(const double* sorted_mus, int64_t n, double low, double high,
                            bool consider_endpoints, SigmaClip clip, double* sigmas);

// The same for centres in any order; returns sigmas in the input order.
std::vector<double> UnivariateSigmas(const std::vector<double>& mus, double low, double high,
                                     bool consider_endpoints, bool consider_magic_clip);

// Categorical kernel of one observation in a group of n (plus the prior):
// prior_weight / (n + 1) on every choice and 1 more on the observed one,
// normalised. Returns log of the probability of the observed choice and of
// any other choice.
struct CategoricalKernel {
  double log_match;
  double log_other;
};
CategoricalKernel MakeCategoricalKernel(int64_t n, int64_t n_choices, double prior_weight);

// Standard normal CDF and its log, accurate in both tails.
double NormalCdf(double x);
double LogNormalCdf(double x);
// log(Phi(b) - Phi(a)) for a <= b, without cancellation in the tails.
double LogGaussMass(double a, double b);
// Inverse of the standard normal CDF for p in (0, 1).
double NormalQuantile(double p);

// Log density at x of N(mu, sigma) truncated to [low, high] (with the
// -log(sigma) term that Optuna < 3.5 lacks).
double TruncNormLogPdf(double x, double mu, double sigma, double low, double high);
// Log of the mass of N(mu, sigma) truncated to [low, high] over
// [x - q/2, x + q/2]: the discrete (step q) kernel.
double DiscreteTruncNormLogMass(double x, double q, double mu, double sigma, double low,
                                double high);
// A draw from N(mu, sigma) truncated to [low, high], by inversion; `u` is
// uniform in [0, 1).
double SampleTruncNorm(double u, double mu, double sigma, double low, double high);

}  // namespace hpo::server::tpe

#endif  // HPO_SERVER_SAMPLER_TPE_MATH_H_
