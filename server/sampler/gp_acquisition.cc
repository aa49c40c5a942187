#include "server/sampler/gp_acquisition.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <numeric>
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

// Rounds of local search from one start, at most: each round moves every
// coordinate; the search ends at the first round that improves nothing.
constexpr int kMaxRounds = 10;

// -log EI as a function of the coordinates `free` of a point (the others
// fixed), for L-BFGS-B; keeps the best point seen (see MapObjective). The
// coordinates are preconditioned as Optuna's: z_i = x_i / l_i, with l_i the
// model's lengthscale, so that every z_i moves the kernel alike.
class NegativeLogEi {
 public:
  NegativeLogEi(const GpModel& model, double best, VectorXd point, std::vector<int> free)
      : model_(model), best_(best), point_(std::move(point)), free_(std::move(free)) {
    lengthscales_.resize(static_cast<int>(free_.size()));
    for (size_t i = 0; i < free_.size(); ++i) {
      lengthscales_[i] = 1 / std::sqrt(model.params().inverse_squared_lengthscales[free_[i]]);
    }
  }

  const VectorXd& lengthscales() const { return lengthscales_; }

  double operator()(const VectorXd& z, VectorXd& grad) {
    for (size_t i = 0; i < free_.size(); ++i) point_[free_[i]] = z[i] * lengthscales_[i];
    double mean, var;
    VectorXd d_mean, d_var;
    model_.Posterior(point_, &mean, &var, &d_mean, &d_var);
    const double sigma = std::sqrt(std::max(var, kMinVariance));
    const LogEi ei = LogExpectedImprovement(mean, sigma, best_);
    grad.resize(static_cast<int>(free_.size()));
    for (size_t i = 0; i < free_.size(); ++i) {
      const double d_sigma = var > kMinVariance ? d_var[free_[i]] / (2 * sigma) : 0;
      grad[i] = -(ei.d_mean * d_mean[free_[i]] + ei.d_sigma * d_sigma) * lengthscales_[i];
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
  VectorXd lengthscales_;
  double best_value_ = std::numeric_limits<double>::infinity();
  VectorXd best_z_;
};

// The coordinates of a point by how the local search moves them.
struct SearchDims {
  std::vector<int> gradient;    // continuous: L-BFGS-B
  std::vector<int> exhaustive;  // categorical, or discrete with few levels: every level
  std::vector<int> line;        // discrete with many levels: a line search over them
};

// Moves the continuous coordinates of `point` by L-BFGS-B; true if log EI
// (`*value`) got better.
bool GradientStep(const GpModel& model, double best, const std::vector<int>& dims, VectorXd* point,
                  double* value) {
  if (dims.empty()) return false;
  NegativeLogEi objective(model, best, *point, dims);
  const VectorXd& scales = objective.lengthscales();
  VectorXd z(static_cast<int>(dims.size()));
  for (size_t i = 0; i < dims.size(); ++i) z[i] = (*point)[dims[i]] / scales[i];
  LBFGSpp::LBFGSBParam<double> settings;
  settings.epsilon = 1e-5;
  settings.epsilon_rel = 0;
  settings.max_iterations = 200;
  LBFGSpp::LBFGSBSolver<double> solver(settings);
  double ignored;
  try {
    solver.minimize(objective, z, ignored, VectorXd::Zero(z.size()), scales.cwiseInverse());
  } catch (const std::exception&) {
    // The line search could not go on: the best point seen stands.
  }
  if (objective.best_z().size() == 0) return false;
  VectorXd moved = *point;
  for (size_t i = 0; i < dims.size(); ++i) {
    moved[dims[i]] = std::clamp(objective.best_z()[i] * scales[i], 0.0, 1.0);
  }
  const double moved_value = LogEiAt(model, moved, best);
  if (!(moved_value > *value)) return false;
  *point = std::move(moved);
  *value = moved_value;
  return true;
}

// Tries every level of coordinate d (a random max_choices_per_round of them
// when there are more); true if log EI got better.
bool ExhaustiveStep(const GpModel& model, const GpSpace& space, double best, int d,
                    const AcquisitionOptions& options, std::mt19937_64& engine, VectorXd* point,
                    double* value) {
  const int64_t levels = space.levels(d);
  const bool sampled = levels > options.max_choices_per_round;
  bool improved = false;
  VectorXd trial = *point;
  for (int64_t i = 0; i < (sampled ? options.max_choices_per_round : levels); ++i) {
    const int64_t level =
        sampled ? static_cast<int64_t>(UniformUnit(engine) * static_cast<double>(levels)) : i;
    trial[d] = space.Coordinate(d, level);
    const double trial_value = LogEiAt(model, trial, best);
    if (trial_value > *value) {
      *point = trial;
      *value = trial_value;
      improved = true;
    }
  }
  return improved;
}

// A golden-section search for the best level of discrete coordinate d, over
// log EI interpolated linearly between levels (as Optuna's Brent search),
// from the current level; true if log EI got better.
bool LineStep(const GpModel& model, const GpSpace& space, double best, int d, VectorXd* point,
              double* value) {
  const int64_t last = space.levels(d) - 1;
  const int64_t current = space.Level(d, (*point)[d]);
  std::map<int64_t, double> cache = {{current, -*value}};
  VectorXd trial = *point;
  auto at_level = [&](int64_t level) {
    auto [it, inserted] = cache.try_emplace(level, 0.0);
    if (inserted) {
      trial[d] = space.Coordinate(d, level);
      it->second = -LogEiAt(model, trial, best);
    }
    return it->second;
  };
  auto interpolated = [&](double t) {
    if (t < 0 || t > static_cast<double>(last)) return std::numeric_limits<double>::infinity();
    const auto left = std::min(static_cast<int64_t>(std::floor(t)), last - 1);
    const double w = t - static_cast<double>(left);
    return (1 - w) * at_level(left) + w * at_level(left + 1);
  };
  constexpr double kGolden = 0.3819660112501051;  // (3 - sqrt 5) / 2
  // The bracket (a, b, c) with f(b) below both ends: outside the grid is +inf.
  double a = -1e-9, b = static_cast<double>(current), c = static_cast<double>(last) + 1e-9;
  double fb = interpolated(b);
  while (c - a > 0.25) {
    const bool right = c - b > b - a;
    const double t = right ? b + kGolden * (c - b) : b - kGolden * (b - a);
    const double ft = interpolated(t);
    if (ft < fb) {
      (right ? a : c) = b;
      b = t;
      fb = ft;
    } else {
      (right ? c : a) = t;
    }
  }
  const int64_t level = std::clamp<int64_t>(std::llround(b), 0, last);
  const double level_value = -at_level(level);
  if (level == current || !(level_value > *value)) return false;
  (*point)[d] = space.Coordinate(d, level);
  *value = level_value;
  return true;
}

// Improves `point` (log EI `*value`) in place by one round over each kind of
// coordinate; true if it got better.
bool LocalRound(const GpModel& model, const GpSpace& space, double best, const SearchDims& dims,
                const AcquisitionOptions& options, std::mt19937_64& engine, VectorXd* point,
                double* value) {
  bool improved = GradientStep(model, best, dims.gradient, point, value);
  for (int d : dims.exhaustive) {
    improved |= ExhaustiveStep(model, space, best, d, options, engine, point, value);
  }
  for (int d : dims.line) improved |= LineStep(model, space, best, d, point, value);
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
  const size_t forced = extra_starts.size();
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

  // Starts: the extra ones, the best candidate, then roulette on EI (weights
  // exp(log EI - max)) up to local_searches in all.
  const size_t first = std::max_element(values.begin(), values.end()) - values.begin();
  std::vector<size_t> starts(forced);
  std::iota(starts.begin(), starts.end(), 0);
  if (first >= forced) starts.push_back(first);
  std::vector<double> weights(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    weights[i] = i < forced || i == first ? 0 : std::exp(values[i] - values[first]);
  }
  while (starts.size() < static_cast<size_t>(options.local_searches)) {
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

  SearchDims search;
  for (int d = 0; d < dims; ++d) {
    if (space.levels(d) == 0) {
      search.gradient.push_back(d);
    } else if (space.categorical()[d] || space.levels(d) <= options.max_exhaustive_levels) {
      search.exhaustive.push_back(d);
    } else {
      search.line.push_back(d);
    }
  }
  VectorXd best_point = candidates[first];
  double best_value = values[first];
  for (size_t start : starts) {
    VectorXd point = candidates[start];
    double value = values[start];
    for (int round = 0; round < kMaxRounds; ++round) {
      if (!LocalRound(model, space, best, search, options, engine, &point, &value)) {
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
