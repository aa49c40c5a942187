// Hyperband (Li et al. 2018) over asynchronous successive halving, as Optuna's
// HyperbandPruner: brackets 0..n-1 with n = floor(log_eta(max/min)) + 1 run
// ASHA with min_early_stopping_rate = bracket, so later brackets stop trials
// later. Each trial belongs to one bracket, drawn deterministically from its
// number with Optuna's budget weights, and competes only within it.
#ifndef HPO_SERVER_PRUNER_HYPERBAND_PRUNER_H_
#define HPO_SERVER_PRUNER_HYPERBAND_PRUNER_H_

#include <vector>

#include "server/pruner/successive_halving_pruner.h"

namespace hpo::server {

class HyperbandPruner : public Pruner {
 public:
  HyperbandPruner(int64_t min_resource, int64_t max_resource, int64_t reduction_factor,
                  v1::Direction direction);
  // The brackets refer back to this object.
  HyperbandPruner(const HyperbandPruner&) = delete;
  HyperbandPruner& operator=(const HyperbandPruner&) = delete;

  bool ShouldPrune(absl::Span<const v1::Trial> trials, const v1::Trial& trial,
                   int64_t step) const override;

  int num_brackets() const { return static_cast<int>(brackets_.size()); }
  int BracketOf(int64_t trial_number) const;

 private:
  std::vector<int64_t> budgets_;  // per bracket
  int64_t total_budget_ = 0;
  std::vector<std::unique_ptr<SuccessiveHalvingPruner>> brackets_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_PRUNER_HYPERBAND_PRUNER_H_
