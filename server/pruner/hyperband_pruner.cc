#include "server/pruner/hyperband_pruner.h"

#include <cmath>

#include "server/sampler/sampler_rng.h"

namespace hpo::server {
HyperbandPruner::HyperbandPruner(int64_t min_resource, int64_t max_resource,
                                 int64_t reduction_factor, v1::Direction direction) {
  int n = 1;
  for (int64_t r = min_resource; r * reduction_factor <= max_resource; r *= reduction_factor) ++n;
  // Optuna's budget: eta^(n-1) for the last bracket and eta^(n-1) / 2 more for
  // each bracket before it, so brackets that stop early get more trials. Kept
  // in half units to stay whole.
  const int64_t top = static_cast<int64_t>(std::pow(reduction_factor, n - 1));
  for (int bracket = 0; bracket < n; ++bracket) {
    budgets_.push_back(2 * top + (n - 1 - bracket) * top);
    total_budget_ += budgets_.back();
  }
  for (int bracket = 0; bracket < n; ++bracket) {
    brackets_.push_back(std::make_unique<SuccessiveHalvingPruner>(
        min_resource, reduction_factor, bracket, max_resource, direction,
        [this, bracket](const v1::Trial& other) { return BracketOf(other.number()) == bracket; }));
  }
}

int HyperbandPruner::BracketOf(int64_t trial_number) const {
  int64_t ticket = static_cast<int64_t>(SplitMix64(static_cast<uint64_t>(trial_number)) %
                                        static_cast<uint64_t>(total_budget_));
  for (int bracket = 0; bracket < num_brackets(); ++bracket) {
    if (ticket < budgets_[bracket]) return bracket;
    ticket -= budgets_[bracket];
  }
  return num_brackets() - 1;
}

bool HyperbandPruner::ShouldPrune(absl::Span<const v1::Trial> trials, const v1::Trial& trial,
                                  int64_t step) const {
  return brackets_[BracketOf(trial.number())]->ShouldPrune(trials, trial, step);
}

}  // namespace hpo::server
