#include "server/pruner/median_pruner.h"

#include <algorithm>

namespace hpo::server {

double Median(std::vector<double> values) {
  const size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + middle, values.end());
  if (values.size() % 2 == 1) return values[middle];
  const double upper = values[middle];
  const double lower = *std::max_element(values.begin(), values.begin() + middle);
  return (lower + upper) / 2;
}

bool MedianPruner::ShouldPrune(absl::Span<const v1::Trial> trials, const v1::Trial& trial,
                               int64_t step) const {
  if (step < settings_.n_warmup_steps()) return false;
  if ((step - settings_.n_warmup_steps()) % settings_.interval_steps() != 0) return false;
  std::vector<double> at_step;
  int64_t complete = 0;
  for (const v1::Trial& other : trials) {
    if (other.state() != v1::Trial::COMPLETE) continue;
    ++complete;
    if (std::optional<double> value = ValueAt(other, step)) at_step.push_back(*value);
  }
  if (complete < settings_.n_startup_trials()) return false;
  if (static_cast<int64_t>(at_step.size()) < settings_.n_min_trials() || at_step.empty()) {
    return false;
  }
  // The trial is judged by its best value so far, as in Optuna.
  double best = maximize_ ? -INFINITY : INFINITY;
  for (const v1::IntermediateValue& value : trial.intermediate_values()) {
    best = maximize_ ? std::max(best, value.value()) : std::min(best, value.value());
  }
  const double median = Median(std::move(at_step));
  return maximize_ ? best < median : best > median;
}

}  // namespace hpo::server
