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
    : seed_(seed),
      options_(options),
      random_(seed),
      fits_(options.n_startup_trials, options.max_model_trials, options.deterministic_objective) {}

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

  const Eigen::MatrixXd x =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          complete.data(), n, dims);
  GpData data;
  const GpParams params = fits_.Fit(x, Eigen::Map<const Eigen::VectorXd>(values.data(), n),
                                    space.categorical(), n, &data);
  Eigen::Index best_index;
  const double best = data.y.maxCoeff(&best_index);

  // The running trials (the latest, as many as the model's COMPLETE ones) as
  // if they had the best value (constant liar).
  const int pending =
      std::min(static_cast<int>(running.size()) / dims, static_cast<int>(data.y.size()));
  const int first_pending = static_cast<int>(running.size()) / dims - pending;
  const Eigen::Index kept = data.y.size();
  Eigen::MatrixXd x_all(kept + pending, dims);
  x_all.topRows(kept) = data.x;
  Eigen::VectorXd y_all(kept + pending);
  y_all.head(kept) = data.y;
  for (int r = 0; r < pending; ++r) {
    for (int d = 0; d < dims; ++d) x_all(kept + r, d) = running[(first_pending + r) * dims + d];
    y_all[kept + r] = best;
  }
  std::optional<GpModel> model =
      GpModel::Make(std::move(x_all), std::move(y_all), space.categorical(), params);
  if (!model) model = GpModel::Make(data.x, data.y, space.categorical(), GpParams::Default(dims));
  if (!model) return random_.Sample(spec, history, trial_number);

  const uint64_t stream = SplitMix64(SplitMix64(seed_) + static_cast<uint64_t>(trial_number));
  const Eigen::VectorXd next = MaximizeLogEi(
      *model, space, best, {data.x.row(best_index).transpose()}, stream, options_.acquisition);
  return space.Decode(next.data());
}

}  // namespace hpo::server
