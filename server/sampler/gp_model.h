// A Gaussian process on the unit cube, as in ../shared/reference/algorithms.md
// (the design of Optuna 4.9's GPSampler): a Matérn 5/2 kernel with one
// inverse squared lengthscale per dimension (ARD), a kernel scale and a noise
// variance, fitted by MAP (log marginal likelihood plus Optuna's priors) with
// L-BFGS-B over the parameters' logs. A categorical dimension holds its
// choice's index and contributes distance 0 (same choice) or 1.
//
// The values it models are standardised (mean 0, std 1) and signed so that
// larger is better; the GP sampler does that.
#ifndef HPO_SERVER_SAMPLER_GP_MODEL_H_
#define HPO_SERVER_SAMPLER_GP_MODEL_H_

#include <optional>
#include <vector>

#include "Eigen/Cholesky"
#include "Eigen/Core"

namespace hpo::server {

struct GpParams {
  Eigen::VectorXd inverse_squared_lengthscales;  // one per dimension
  double kernel_scale = 1;
  double noise_var = 1e-2;

  // The starting point of a first fit for `dims` dimensions.
  static GpParams Default(int dims);
};

// The smallest noise variance: it keeps the kernel matrix positive definite,
// and is the noise of a deterministic objective.
inline constexpr double kMinNoiseVar = 1e-6;

class GpModel {
 public:
  // x: one row per observation, in [0, 1] (categorical columns: the index);
  // y: the standardised values. nullopt when the kernel matrix is not
  // positive definite even with the minimum noise.
  static std::optional<GpModel> Make(Eigen::MatrixXd x, Eigen::VectorXd y,
                                     std::vector<bool> categorical, GpParams params);

  // The posterior of the latent function at `point` (no noise): its mean and
  // variance, and when asked, their gradients with respect to the point's
  // numeric coordinates (0 for categorical ones).
  void Posterior(const Eigen::VectorXd& point, double* mean, double* var,
                 Eigen::VectorXd* d_mean = nullptr, Eigen::VectorXd* d_var = nullptr) const;

  // Posterior() for many points at once (one column each), mean and
  // variance only: the kernel products as matrix operations.
  void PosteriorBatch(const Eigen::MatrixXd& points, Eigen::VectorXd* mean,
                      Eigen::VectorXd* var) const;

  double LogMarginalLikelihood() const;
  const GpParams& params() const { return params_; }
  int size() const { return static_cast<int>(y_.size()); }

 private:
  GpModel() = default;

  Eigen::MatrixXd x_;  // one row per observation
  Eigen::VectorXd y_;
  std::vector<bool> categorical_;
  GpParams params_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd alpha_;  // K^-1 y
};

// The MAP parameters for (x, y), searched from `start` (the previous fit, or
// GpParams::Default): with `deterministic_objective` the noise stays at
// kMinNoiseVar. Returns `start` unchanged if no better point is found.
GpParams FitGpParams(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                     const std::vector<bool>& categorical, const GpParams& start,
                     bool deterministic_objective);

// What the fit minimises, for tests: the negative log posterior at
// phi = [log theta_1..d, log kernel_scale, log(noise_var - kMinNoiseVar)]
// (without the last entry when `deterministic_objective`), and its gradient.
double GpNegativeLogPosterior(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                              const std::vector<bool>& categorical, bool deterministic_objective,
                              const Eigen::VectorXd& phi, Eigen::VectorXd* gradient);

// The log of the MAP objective's prior at `params` (Optuna's priors:
// -(0.1 / theta + 0.1 theta) per dimension, Gamma(2, 1) on the kernel scale,
// Gamma(1.1, 30) on the noise variance, up to constants).
double GpLogPrior(const GpParams& params);

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_GP_MODEL_H_
