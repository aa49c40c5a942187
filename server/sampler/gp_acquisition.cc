#include "server/sampler/gp_acquisition.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <random>

#include "LBFGSB.h"
#include "boost/random/sobol.hpp"
#include "server/sampler/gp_log_ei.h"
#include "server/sampler/sampler_rng.h"

namespace hpo::server {
namespace {

using Eigen::VectorXd;

// Below this posterior variance a point is an observation: no improvement
// is expected there, and the gradient of sigma is not followed.
constexpr double kMinVariance = 1e-10;

// -log EI as a function of the coordinates `free` of a point (the others
// fixed), for L-BFGS-B; keeps the best point seen (see MapObjective).
class NegativeLogEi {
 public:
  NegativeLogEi(const GpModel& model, double best, VectorXd point, std::vector<int> free)
      : model_(model), best_(best), point_(std::move(point)), free_(std::move(free)) {}

  double operator()(const VectorXd& z, VectorXd& grad) {
    for (size_t i = 0; i < free_.size(); ++i) point_[free_[i]] = z[i];
    double mean, var;
    VectorXd d_mean, d_var;
    model_.Posterior(point_, &mean, &var, &d_mean, &d_var);
    const double sigma = std::sqrt(std::max(var, kMinVariance));
    const LogEi ei = LogExpectedImprovement(mean, sigma, best_);
    grad.resize(static_cast<int>(free_.size()));
    for (size_t i = 0; i < free_.size(); ++i) {
      const double d_sigma = var > kMinVariance ? d_var[free_[i]] / (2 * sigma) : 0;
      grad[i] = -(ei.d_mean * d_mean[free_[i]] + ei.d_sigma * d_sigma);
    }
    if (!std::isfinite(ei.value) || !grad.allFinite()) {
      grad.setZero();
      return std::numeric_limits<double>::max();
    }
    if (-ei.value < best_value_) {
      best_value_ = -ei.value;
      best_z_ = z;
    }
    return -ei.value;
  }

  double best_value() const { return best_value_; }
  const VectorXd& best_z() const { return best_z_; }

 private:
  const GpModel& model_;
  const double best_;
  VectorXd point_;
  const std::vector<int> free_;
  double best_value_ = std::numeric_limits<double>::infinity();
  VectorXd best_z_;
};

// Improves `point` (log EI `*value`) in place by one round over each kind of
// coordinate; true if it got better.
bool LocalRound(const GpModel& model, const GpSpace& space, double best,
                const std::vector<int>& gradient_dims, const std::vector<int>& exhaustive_dims,
                const AcquisitionOptions& options, std::mt19937_64& engine, VectorXd* point,
                double* value) {
  bool improved = false;
  if (!gradient_dims.empty()) {
    NegativeLogEi objective(model, best, *point, gradient_dims);
    VectorXd z(static_cast<int>(gradient_dims.size()));
    for (size_t i = 0; i < gradient_dims.size(); ++i) z[i] = (*point)[gradient_dims[i]];
    LBFGSpp::LBFGSBParam<double> settings;
    settings.epsilon = 1e-5;
    settings.epsilon_rel = 0;
    settings.max_iterations = 200;
    LBFGSpp::LBFGSBSolver<double> solver(settings);
    double ignored;
    try {
      solver.minimize(objective, z, ignored, VectorXd::Zero(z.size()), VectorXd::Ones(z.size()));
    } catch (const std::exception&) {
      // The line search could not go on: the best point seen stands.
    }
    if (objective.best_z().size() > 0) {
      VectorXd moved = *point;
      for (size_t i = 0; i < gradient_dims.size(); ++i) {
        moved[gradient_dims[i]] = space.Snap(gradient_dims[i], objective.best_z()[i]);
      }
      const double moved_value = LogEiAt(model, moved, best);
      if (moved_value > *value) {
        *point = moved;
        *value = moved_value;
        improved = true;
      }
    }
  }
  for (int d : exhaustive_dims) {
    const int64_t levels = space.levels(d);
    const bool sampled = levels > options.max_choices_per_round;
    VectorXd trial = *point;
    for (int64_t i = 0; i < (sampled ? options.max_choices_per_round : levels); ++i) {
      const int64_t level =
          sampled ? static_cast<int64_t>(UniformUnit(engine) * static_cast<double>(levels)) : i;
      trial[d] = space.categorical()[d] ? static_cast<double>(level)
                                        : space.Snap(d, (level + 0.5) / levels);
      const double trial_value = LogEiAt(model, trial, best);
      if (trial_value > *value) {
        *point = trial;
        *value = trial_value;
        improved = true;
      }
    }
  }
  return improved;
}

}  // namespace

double LogEiAt(const GpModel& model, const VectorXd& point, double best) {
  double mean, var;
  model.Posterior(point, &mean, &var);
  return LogExpectedImprovement(mean, std::sqrt(std::max(var, kMinVariance)), best).value;
}

VectorXd MaximizeLogEi(const GpModel& model, const GpSpace& space, double best,
                       const std::vector<VectorXd>& extra_starts, uint64_t seed,
                       const AcquisitionOptions& options) {
  const int dims = space.dims();
  std::mt19937_64 engine(SplitMix64(seed));
  // Sobol points, shifted at random (Cranley-Patterson) so that each trial
  // gets its own; the first point, the origin, is skipped.
  boost::random::sobol sobol(static_cast<unsigned>(dims));
  sobol.discard(static_cast<uint64_t>(dims));
  VectorXd shift(dims);
  for (int d = 0; d < dims; ++d) shift[d] = UniformUnit(engine);
  std::vector<VectorXd> candidates = extra_starts;
  for (int c = 0; c < options.candidates; ++c) {
    VectorXd point(dims);
    for (int d = 0; d < dims; ++d) {
      double u = std::ldexp(static_cast<double>(sobol()), -64) + shift[d];
      u -= std::floor(u);
      point[d] = space.categorical()[d]
                     ? std::min(std::floor(u * space.levels(d)), space.levels(d) - 1.0)
                     : space.Snap(d, u);
    }
    candidates.push_back(std::move(point));
  }
  Eigen::MatrixXd points(dims, static_cast<Eigen::Index>(candidates.size()));
  for (size_t c = 0; c < candidates.size(); ++c)
    points.col(static_cast<Eigen::Index>(c)) = candidates[c];
  VectorXd means, vars;
  model.PosteriorBatch(points, &means, &vars);
  std::vector<double> values(candidates.size());
  for (size_t c = 0; c < candidates.size(); ++c) {
    values[c] = LogExpectedImprovement(
                    means[static_cast<Eigen::Index>(c)],
                    std::sqrt(std::max(vars[static_cast<Eigen::Index>(c)], kMinVariance)), best)
                    .value;
  }

  // Starts: the best candidate, then roulette on EI (weights exp(log EI - max)).
  const size_t first = std::max_element(values.begin(), values.end()) - values.begin();
  std::vector<size_t> starts = {first};
  std::vector<double> weights(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    weights[i] = i == first ? 0 : std::exp(values[i] - values[first]);
  }
  for (int s = 1; s < options.local_searches; ++s) {
    double total = 0;
    for (double w : weights) total += w;
    if (!(total > 0)) break;
    double pick = UniformUnit(engine) * total;
    size_t chosen = 0;
    while (chosen + 1 < weights.size() && (pick -= weights[chosen]) >= 0) ++chosen;
    if (weights[chosen] == 0) break;
    starts.push_back(chosen);
    weights[chosen] = 0;
  }

  std::vector<int> gradient_dims, exhaustive_dims;
  for (int d = 0; d < dims; ++d) {
    const bool few = space.levels(d) > 0 && space.levels(d) <= options.max_exhaustive_levels;
    if (space.categorical()[d] || few) {
      exhaustive_dims.push_back(d);
    } else {
      gradient_dims.push_back(d);
    }
  }
  VectorXd best_point = candidates[first];
  double best_value = values[first];
  for (size_t start : starts) {
    VectorXd point = candidates[start];
    double value = values[start];
    for (int round = 0; round < 5; ++round) {
      if (!LocalRound(model, space, best, gradient_dims, exhaustive_dims, options, engine, &point,
                      &value)) {
        break;
      }
    }
    if (value > best_value) {
      best_value = value;
      best_point = point;
    }
  }
  return best_point;
}

}  // namespace hpo::server
