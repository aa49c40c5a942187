#include "server/pruner/successive_halving_pruner.h"

#include <algorithm>
#include <limits>

namespace hpo::server {

int64_t SuccessiveHalvingPruner::RungStep(int64_t rung) const {
  int64_t step = min_resource_;
  for (int64_t i = 0; i < min_early_stopping_rate_ + rung; ++i) {
    if (step > std::numeric_limits<int64_t>::max() / reduction_factor_) {
      return std::numeric_limits<int64_t>::max();
    }
    step *= reduction_factor_;
  }
  return step;
}

std::optional<double> SuccessiveHalvingPruner::RungValue(const v1::Trial& trial,
                                                         int64_t rung_step) {
  std::optional<double> value;
  int64_t first_step = std::numeric_limits<int64_t>::max();
  for (const v1::IntermediateValue& v : trial.intermediate_values()) {
    if (v.step() >= rung_step && v.step() < first_step) {
      first_step = v.step();
      value = v.value();
    }
  }
  return value;
}

bool SuccessiveHalvingPruner::ShouldPrune(absl::Span<const v1::Trial> trials,
                                          const v1::Trial& trial, int64_t step) const {
  // The step the trial had reached before this report: rungs at or below it
  // were decided then.
  int64_t previous_step = -1;
  for (const v1::IntermediateValue& v : trial.intermediate_values()) {
    if (v.step() < step) previous_step = std::max(previous_step, v.step());
  }
  const std::optional<double> value = ValueAt(trial, step);
  if (!value.has_value()) return false;
  constexpr int64_t kLastStep = std::numeric_limits<int64_t>::max();
  for (int64_t rung = 0;; ++rung) {
    const int64_t rung_step = RungStep(rung);
    if (step < rung_step || (max_resource_ > 0 && rung_step >= max_resource_)) return false;
    if (rung_step <= previous_step) continue;
    std::vector<double> competing = {*value};
    for (const v1::Trial& other : trials) {
      if (other.number() == trial.number() || (competes_ && !competes_(other))) continue;
      if (std::optional<double> v = RungValue(other, rung_step)) competing.push_back(*v);
    }
    // Promote the top 1/reduction_factor; while fewer trials have reached the
    // rung, only the best so far.
    const size_t promotable =
        std::max<int64_t>(static_cast<int64_t>(competing.size()) / reduction_factor_ - 1, 0);
    if (maximize_) {
      std::sort(competing.begin(), competing.end(), std::greater<double>());
      if (*value < competing[promotable]) return true;
    } else {
      std::sort(competing.begin(), competing.end());
      if (*value > competing[promotable]) return true;
    }
    // RungStep saturates: a report at the last step has met every rung.
    if (rung_step == kLastStep) return false;
  }
}

}  // namespace hpo::server
