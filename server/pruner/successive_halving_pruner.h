// Asynchronous successive halving (ASHA, Li et al. 2020), as Optuna's
// SuccessiveHalvingPruner: rung k sits at step
//   min_resource * reduction_factor^(min_early_stopping_rate + k);
// when a trial first reports at or past a rung, it goes on only if its value
// there is in the top 1/reduction_factor of the values every trial had at that
// rung so far (for fewer than reduction_factor trials: only if it is the best).
// No trial ever waits for a rung to fill.
#ifndef HPO_SERVER_PRUNER_SUCCESSIVE_HALVING_PRUNER_H_
#define HPO_SERVER_PRUNER_SUCCESSIVE_HALVING_PRUNER_H_

#include <functional>

#include "server/pruner/pruner.h"

namespace hpo::server {

class SuccessiveHalvingPruner : public Pruner {
 public:
  // Only trials for which `competes(other)` holds count at a rung; Hyperband
  // uses this to keep its brackets apart. Null: every trial competes.
  // Rungs at or past `max_resource` (the last step a trial reports; 0: no
  // limit) never prune: stopping a trial there saves nothing and throws away a
  // finished result. (Optuna does not know the last step and prunes there too.)
  SuccessiveHalvingPruner(int64_t min_resource, int64_t reduction_factor,
                          int64_t min_early_stopping_rate, int64_t max_resource,
                          v1::Direction direction,
                          std::function<bool(const v1::Trial&)> competes = nullptr)
      : min_resource_(min_resource),
        reduction_factor_(reduction_factor),
        min_early_stopping_rate_(min_early_stopping_rate),
        max_resource_(max_resource),
        maximize_(direction == v1::MAXIMIZE),
        competes_(std::move(competes)) {}

  bool ShouldPrune(absl::Span<const v1::Trial> trials, const v1::Trial& trial,
                   int64_t step) const override;

  // The step of rung `rung`.
  int64_t RungStep(int64_t rung) const;

 private:
  // The value `trial` had at the rung at `rung_step`: its first report at or
  // after that step.
  static std::optional<double> RungValue(const v1::Trial& trial, int64_t rung_step);

  const int64_t min_resource_;
  const int64_t reduction_factor_;
  const int64_t min_early_stopping_rate_;
  const int64_t max_resource_;
  const bool maximize_;
  const std::function<bool(const v1::Trial&)> competes_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_PRUNER_SUCCESSIVE_HALVING_PRUNER_H_
