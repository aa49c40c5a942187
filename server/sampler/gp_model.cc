#include "server/sampler/gp_model.h"

#include <cmath>
#include <exception>
#include <limits>
#include <utility>

#include "Eigen/Cholesky"
#include "LBFGSB.h"

namespace hpo::server {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kSqrt5 = 2.2360679774997896964;
constexpr double kLog2Pi = 1.8378770664093454836;

// Bounds of the logs the fit searches: lengthscales from 1e-2 to 1e2 of the
// unit cube's side, kernel scale and noise within a few orders of the
// standardised values' unit variance.
constexpr double kLogThetaBounds[2] = {-9.3, 9.3};
constexpr double kLogScaleBounds[2] = {-7, 5};
constexpr double kLogNoiseBounds[2] = {-16, 2};

// Coordinate i's contribution to the squared distance between x_a and a
// point whose coordinate i is `p`, for every a at once (`x_i`: the x_a's
// coordinate i), before theta: (x_ai - p)^2, or for a categorical 0 (same
// choice) or 1.
template <typename Column>
auto SquaredDifferences(const Column& x_i, double p, bool categorical) {
  return categorical ? (x_i.array() != p).template cast<double>().eval()
                     : (x_i.array() - p).square().eval();
}

// The theta-weighted squared distances between the rows of `rows` (one
// point each, so that a coordinate of all of them is a contiguous column)
// and the columns of `columns`.
Eigen::ArrayXXd ScaledSquaredDistances(const MatrixXd& rows, const MatrixXd& columns,
                                       const VectorXd& theta,
                                       const std::vector<bool>& categorical) {
  Eigen::ArrayXXd r2 = Eigen::ArrayXXd::Zero(rows.rows(), columns.cols());
  for (Eigen::Index c = 0; c < columns.cols(); ++c) {
    for (int i = 0; i < theta.size(); ++i) {
      r2.col(c) += theta[i] * SquaredDifferences(rows.col(i), columns(i, c), categorical[i]);
    }
  }
  return r2;
}

// Matérn 5/2 with unit scale at squared distances r2, elementwise, and when
// asked its derivative with respect to r2 (finite at 0).
void Matern52(const Eigen::ArrayXXd& r2, MatrixXd* k, MatrixXd* dk_dr2) {
  const Eigen::ArrayXXd r = r2.sqrt();
  const Eigen::ArrayXXd e = (-kSqrt5 * r).exp();
  *k = ((1 + kSqrt5 * r + 5.0 / 3.0 * r2) * e).matrix();
  if (dk_dr2 != nullptr) *dk_dr2 = (-5.0 / 6.0 * (1 + kSqrt5 * r) * e).matrix();
}

// The unit-scale kernel matrix between the rows of `rows` and the columns of
// `columns`, and when asked its derivative with respect to r2.
void KernelMatrices(const MatrixXd& rows, const MatrixXd& columns, const VectorXd& theta,
                    const std::vector<bool>& categorical, MatrixXd* kernel, MatrixXd* d_kernel) {
  Matern52(ScaledSquaredDistances(rows, columns, theta, categorical), kernel, d_kernel);
}

// The negative log posterior of the parameters' logs
// phi = [log theta_1..d, log kernel_scale, log(noise_var - kMinNoiseVar)]
// (the last one absent for a deterministic objective), for L-BFGS-B. It keeps
// the best point it has seen: a line search that fails throws, and the fit
// then ends there.
class MapObjective {
 public:
  // x: one row per observation.
  MapObjective(const MatrixXd& x, const VectorXd& y, const std::vector<bool>& categorical,
               bool deterministic)
      : x_(x),
        columns_(x.transpose()),
        y_(y),
        categorical_(categorical),
        deterministic_(deterministic) {}

  int size() const { return static_cast<int>(x_.cols()) + (deterministic_ ? 1 : 2); }

  VectorXd ToPhi(const GpParams& params) const {
    const int d = static_cast<int>(x_.cols());
    VectorXd phi(size());
    phi.head(d) = params.inverse_squared_lengthscales.array().log();
    phi[d] = std::log(params.kernel_scale);
    if (!deterministic_) phi[d + 1] = std::log(std::max(params.noise_var - kMinNoiseVar, 1e-12));
    return phi;
  }

  GpParams ToParams(const VectorXd& phi) const {
    const int d = static_cast<int>(x_.cols());
    GpParams params;
    params.inverse_squared_lengthscales = phi.head(d).array().exp();
    params.kernel_scale = std::exp(phi[d]);
    params.noise_var = deterministic_ ? kMinNoiseVar : kMinNoiseVar + std::exp(phi[d + 1]);
    return params;
  }

  void Bounds(VectorXd* lower, VectorXd* upper) const {
    const int d = static_cast<int>(x_.cols());
    lower->resize(size());
    upper->resize(size());
    lower->head(d).setConstant(kLogThetaBounds[0]);
    upper->head(d).setConstant(kLogThetaBounds[1]);
    (*lower)[d] = kLogScaleBounds[0];
    (*upper)[d] = kLogScaleBounds[1];
    if (!deterministic_) {
      (*lower)[d + 1] = kLogNoiseBounds[0];
      (*upper)[d + 1] = kLogNoiseBounds[1];
    }
  }

  double operator()(const VectorXd& phi, VectorXd& grad) {
    const int d = static_cast<int>(x_.cols());
    const int n = static_cast<int>(x_.rows());
    const GpParams params = ToParams(phi);
    const VectorXd& theta = params.inverse_squared_lengthscales;
    const double scale = params.kernel_scale;
    const double noise = params.noise_var;
    MatrixXd unit, d_unit;
    KernelMatrices(x_, columns_, theta, categorical_, &unit, &d_unit);
    MatrixXd k = scale * unit;
    k.diagonal().array() += noise;
    Eigen::LLT<MatrixXd> llt(k);
    grad.setZero(size());
    if (llt.info() != Eigen::Success) return kFailed;
    const VectorXd alpha = llt.solve(y_);
    // W = alpha alpha^T - K^-1: d LML / d p = tr(W dK/dp) / 2.
    MatrixXd w = -llt.solve(MatrixXd::Identity(n, n));
    w.noalias() += alpha * alpha.transpose();
    const double log_det = 2 * llt.matrixLLT().diagonal().array().log().sum();
    const double lml = -0.5 * y_.dot(alpha) - 0.5 * log_det - 0.5 * n * kLog2Pi;

    // d LML / d log theta_i = tr(W dK/dr2 * theta_i D_i) / 2, where D_i
    // holds coordinate i's squared differences and dK/dr2 = scale * d_unit.
    const Eigen::ArrayXXd weight = w.array() * (scale * d_unit.array());
    VectorXd d_theta = VectorXd::Zero(d);
    for (int c = 0; c < n; ++c) {
      for (int i = 0; i < d; ++i) {
        d_theta[i] +=
            (weight.col(c) * SquaredDifferences(x_.col(i), columns_(i, c), categorical_[i])).sum();
      }
    }
    d_theta = 0.5 * (d_theta.array() * theta.array()).matrix();
    const double d_log_scale = 0.5 * scale * (w.array() * unit.array()).sum();

    double log_prior = GpLogPrior(params);
    grad.head(d) = -(d_theta.array() + (0.1 / theta.array() - 0.1 * theta.array())).matrix();
    grad[d] = -(d_log_scale + 1 - scale);
    if (!deterministic_) {
      const double raw = noise - kMinNoiseVar;  // d noise / d phi
      const double d_noise = 0.5 * w.trace() * raw;
      grad[d + 1] = -(d_noise + (0.1 / noise - 30) * raw);
    }
    const double value = -(lml + log_prior);
    if (std::isfinite(value) && grad.allFinite() && value < best_value_) {
      best_value_ = value;
      best_phi_ = phi;
    }
    return std::isfinite(value) ? value : kFailed;
  }

  bool found() const { return best_phi_.size() > 0; }
  const VectorXd& best_phi() const { return best_phi_; }

 private:
  // What a point without a finite posterior scores: worse than any other.
  static constexpr double kFailed = 1e100;

  const MatrixXd& x_;
  const MatrixXd columns_;  // x transposed: one column per observation
  const VectorXd& y_;
  const std::vector<bool>& categorical_;
  const bool deterministic_;
  double best_value_ = std::numeric_limits<double>::infinity();
  VectorXd best_phi_;
};

}  // namespace

GpParams GpParams::Default(int dims) {
  GpParams params;
  params.inverse_squared_lengthscales = VectorXd::Ones(dims);
  return params;
}

double GpLogPrior(const GpParams& params) {
  const Eigen::ArrayXd& theta = params.inverse_squared_lengthscales.array();
  double log_prior = -(0.1 / theta + 0.1 * theta).sum();
  log_prior += std::log(params.kernel_scale) - params.kernel_scale;       // Gamma(2, 1)
  log_prior += 0.1 * std::log(params.noise_var) - 30 * params.noise_var;  // Gamma(1.1, 30)
  return log_prior;
}

std::optional<GpModel> GpModel::Make(MatrixXd x, VectorXd y, std::vector<bool> categorical,
                                     GpParams params) {
  GpModel model;
  model.x_ = std::move(x);
  model.y_ = std::move(y);
  model.categorical_ = std::move(categorical);
  model.params_ = std::move(params);
  MatrixXd k;
  KernelMatrices(model.x_, model.x_.transpose(), model.params_.inverse_squared_lengthscales,
                 model.categorical_, &k, nullptr);
  k *= model.params_.kernel_scale;
  k.diagonal().array() += model.params_.noise_var;
  model.llt_.compute(k);
  if (model.llt_.info() != Eigen::Success) return std::nullopt;
  model.alpha_ = model.llt_.solve(model.y_);
  if (!model.alpha_.allFinite()) return std::nullopt;
  return model;
}

void GpModel::Posterior(const VectorXd& point, double* mean, double* var, VectorXd* d_mean,
                        VectorXd* d_var) const {
  const int d = static_cast<int>(x_.cols());
  const VectorXd& theta = params_.inverse_squared_lengthscales;
  const double scale = params_.kernel_scale;
  MatrixXd k, dk;  // n x 1: k(x_a, point) and its derivative with respect to r2
  KernelMatrices(x_, point, theta, categorical_, &k,
                 d_mean != nullptr || d_var != nullptr ? &dk : nullptr);
  k *= scale;
  *mean = k.col(0).dot(alpha_);
  const VectorXd v = llt_.matrixL().solve(k.col(0));
  *var = std::max(scale - v.squaredNorm(), 0.0);
  if (d_mean == nullptr && d_var == nullptr) return;
  VectorXd u;  // K^-1 k
  if (d_var != nullptr) u = llt_.matrixU().solve(v);
  if (d_mean != nullptr) d_mean->setZero(d);
  if (d_var != nullptr) d_var->setZero(d);
  for (int j = 0; j < d; ++j) {
    if (categorical_[j]) continue;
    // d k_a / d point_j = scale * dk_a * 2 theta_j (point_j - x_aj)
    const Eigen::ArrayXd dkj =
        scale * dk.col(0).array() * 2 * theta[j] * (point[j] - x_.col(j).array());
    if (d_mean != nullptr) (*d_mean)[j] = (dkj * alpha_.array()).sum();
    if (d_var != nullptr) (*d_var)[j] = -2 * (dkj * u.array()).sum();
  }
}

void GpModel::PosteriorBatch(const MatrixXd& points, VectorXd* mean, VectorXd* var) const {
  MatrixXd k;  // k(x_a, point_c)
  KernelMatrices(x_, points, params_.inverse_squared_lengthscales, categorical_, &k, nullptr);
  k *= params_.kernel_scale;
  *mean = k.transpose() * alpha_;
  llt_.matrixL().solveInPlace(k);  // V = L^-1 K*
  *var = (params_.kernel_scale - k.colwise().squaredNorm().array()).max(0.0).matrix().transpose();
}

double GpModel::LogMarginalLikelihood() const {
  const double log_det = 2 * llt_.matrixLLT().diagonal().array().log().sum();
  return -0.5 * y_.dot(alpha_) - 0.5 * log_det - 0.5 * size() * kLog2Pi;
}

double GpNegativeLogPosterior(const MatrixXd& x, const VectorXd& y,
                              const std::vector<bool>& categorical, bool deterministic_objective,
                              const VectorXd& phi, VectorXd* gradient) {
  MapObjective objective(x, y, categorical, deterministic_objective);
  return objective(phi, *gradient);
}

GpParams FitGpParams(const MatrixXd& x, const VectorXd& y, const std::vector<bool>& categorical,
                     const GpParams& start, bool deterministic_objective) {
  MapObjective objective(x, y, categorical, deterministic_objective);
  VectorXd lower, upper;
  objective.Bounds(&lower, &upper);
  VectorXd phi = objective.ToPhi(start).cwiseMax(lower).cwiseMin(upper);
  LBFGSpp::LBFGSBParam<double> settings;
  settings.epsilon = 1e-2;  // on the projected gradient, as Optuna's gtol
  settings.epsilon_rel = 0;
  settings.max_iterations = 200;
  LBFGSpp::LBFGSBSolver<double> solver(settings);
  double value;
  try {
    solver.minimize(objective, phi, value, lower, upper);
  } catch (const std::exception&) {
    // A line search that cannot go on: the best point seen stands.
  }
  if (!objective.found()) return start;
  return objective.ToParams(objective.best_phi());
}

}  // namespace hpo::server
