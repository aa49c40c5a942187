#include "server/sampler/gp_sampler.h"

#include <cmath>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/sampler/gp_model.h"
#include "server/sampler/gp_space.h"
#include "server/sampler/sampler_rng.h"

namespace hpo::server {

GpOptions GpOptionsFromSpec(const v1::SamplerSpec& spec) {
  GpOptions options;
  if (spec.has_n_startup_trials()) options.n_startup_trials = spec.n_startup_trials();
  if (spec.has_deterministic_objective()) {
    options.deterministic_objective = spec.deterministic_objective();
  }
  return options;
}

GpSampler::GpSampler(uint64_t seed, GpOptions options)
    : seed_(seed), options_(options), random_(seed) {}

absl::StatusOr<ParamMap> GpSampler::Sample(const v1::StudySpec& spec,
                                           absl::Span<const v1::Trial> history,
                                           int64_t trial_number) {
  if (trial_number < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("trial number must be >= 0 (got ", trial_number, ")"));
  }
  ASSIGN_OR_RETURN(GpSpace space, GpSpace::Make(spec));
  const int dims = space.dims();
  // Larger is better inside the model.
  const double sign = spec.direction() == v1::MAXIMIZE ? 1.0 : -1.0;
  std::vector<double> complete, running;  // points, dims values each
  std::vector<double> values;
  std::vector<double> point(dims);
  for (const v1::Trial& trial : history) {
    if (trial.number() == trial_number) continue;
    const bool done =
        trial.state() == v1::Trial::COMPLETE && trial.has_value() && std::isfinite(trial.value());
    if (!done && trial.state() != v1::Trial::RUNNING) continue;
    if (!space.Encode(trial.params(), point.data())) continue;
    std::vector<double>& into = done ? complete : running;
    into.insert(into.end(), point.begin(), point.end());
    if (done) values.push_back(sign * trial.value());
  }
  const int n = static_cast<int>(values.size());
  if (n < std::max(options_.n_startup_trials, 1) || dims == 0) {
    return random_.Sample(spec, history, trial_number);
  }

  // Standardised values; a constant objective has no scale to learn.
  Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(values.data(), n);
  const double mean = y.mean();
  const double std_dev = std::sqrt((y.array() - mean).square().mean());
  y = (y.array() - mean) / (std_dev > 0 ? std_dev : 1.0);
  const Eigen::MatrixXd x =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          complete.data(), n, dims);
  const GpParams params = FitGpParams(x, y, space.categorical(), GpParams::Default(dims),
                                      options_.deterministic_objective);
  Eigen::Index best_index;
  const double best = y.maxCoeff(&best_index);

  // The running trials as if they had the best value (constant liar).
  const int pending = static_cast<int>(running.size()) / dims;
  Eigen::MatrixXd x_all(n + pending, dims);
  x_all.topRows(n) = x;
  Eigen::VectorXd y_all(n + pending);
  y_all.head(n) = y;
  for (int r = 0; r < pending; ++r) {
    for (int d = 0; d < dims; ++d) x_all(n + r, d) = running[r * dims + d];
    y_all[n + r] = best;
  }
  std::optional<GpModel> model =
      GpModel::Make(std::move(x_all), std::move(y_all), space.categorical(), params);
  if (!model) model = GpModel::Make(x, y, space.categorical(), GpParams::Default(dims));
  if (!model) return random_.Sample(spec, history, trial_number);

  const uint64_t stream = SplitMix64(SplitMix64(seed_) + static_cast<uint64_t>(trial_number));
  const Eigen::VectorXd next = MaximizeLogEi(*model, space, best, {x.row(best_index).transpose()},
                                             stream, options_.acquisition);
  return space.Decode(next.data());
}

}  // namespace hpo::server
