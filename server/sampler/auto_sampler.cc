#include "server/sampler/auto_sampler.h"

#include <cmath>

namespace hpo::server {

AutoSampler::AutoSampler(uint64_t seed) : gp_(seed, GpOptions()), tpe_(seed, TpeOptions()) {}

absl::StatusOr<ParamMap> AutoSampler::Sample(const v1::StudySpec& spec,
                                             absl::Span<const v1::Trial> history,
                                             int64_t trial_number) {
  const bool pruned = !spec.pruner().type().empty() && spec.pruner().type() != "none";
  int complete = 0;
  for (const v1::Trial& trial : history) {
    complete += trial.state() == v1::Trial::COMPLETE && std::isfinite(trial.value());
  }
  Sampler& sampler = pruned || complete >= kAutoGpTrials ? static_cast<Sampler&>(tpe_) : gp_;
  return sampler.Sample(spec, history, trial_number);
}

}  // namespace hpo::server
