#include "server/pruner/pruner.h"

#include "absl/strings/str_cat.h"
#include "server/pruner/hyperband_pruner.h"
#include "server/pruner/median_pruner.h"
#include "server/pruner/successive_halving_pruner.h"

namespace hpo::server {
namespace {

class NopPruner : public Pruner {
 public:
  bool ShouldPrune(absl::Span<const v1::Trial>, const v1::Trial&, int64_t) const override {
    return false;
  }
};

}  // namespace

std::optional<double> ValueAt(const v1::Trial& trial, int64_t step) {
  for (const v1::IntermediateValue& value : trial.intermediate_values()) {
    if (value.step() == step) return value.value();
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<Pruner>> MakePruner(const v1::StudySpec& spec) {
  const v1::PrunerSpec& pruner = spec.pruner();
  if (pruner.type() == "none" || pruner.type().empty()) return std::make_unique<NopPruner>();
  if (pruner.type() == "median") {
    return std::make_unique<MedianPruner>(pruner, spec.direction());
  }
  if (pruner.type() == "asha") {
    return std::make_unique<SuccessiveHalvingPruner>(pruner.min_resource(),
                                                     pruner.reduction_factor(),
                                                     pruner.min_early_stopping_rate(),
                                                     pruner.max_resource(), spec.direction());
  }
  if (pruner.type() == "hyperband") {
    return std::make_unique<HyperbandPruner>(pruner.min_resource(), pruner.max_resource(),
                                             pruner.reduction_factor(), spec.direction());
  }
  return absl::InvalidArgumentError(
      absl::StrCat("pruner.type: unknown pruner \"", pruner.type(), "\""));
}

}  // namespace hpo::server
