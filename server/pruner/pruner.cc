#include "server/pruner/pruner.h"

#include <string_view>

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

namespace {

using Factory = std::unique_ptr<Pruner> (*)(const v1::StudySpec& spec);

// One line per type of common/pruner_spec.cc's table.
constexpr struct {
  std::string_view type;
  Factory make;
} kFactories[] = {
    {"none",
     [](const v1::StudySpec&) -> std::unique_ptr<Pruner> { return std::make_unique<NopPruner>(); }},
    {"median",
     [](const v1::StudySpec& spec) -> std::unique_ptr<Pruner> {
       return std::make_unique<MedianPruner>(spec.pruner(), spec.direction());
     }},
    {"asha",
     [](const v1::StudySpec& spec) -> std::unique_ptr<Pruner> {
       const v1::PrunerSpec& p = spec.pruner();
       return std::make_unique<SuccessiveHalvingPruner>(p.min_resource(), p.reduction_factor(),
                                                        p.min_early_stopping_rate(),
                                                        p.max_resource(), spec.direction());
     }},
    {"hyperband",
     [](const v1::StudySpec& spec) -> std::unique_ptr<Pruner> {
       const v1::PrunerSpec& p = spec.pruner();
       return std::make_unique<HyperbandPruner>(p.min_resource(), p.max_resource(),
                                                p.reduction_factor(), spec.direction());
     }},
};

}  // namespace

absl::StatusOr<std::unique_ptr<Pruner>> MakePruner(const v1::StudySpec& spec) {
  std::string_view type = spec.pruner().type();
  if (type.empty()) type = "none";
  for (const auto& factory : kFactories) {
    if (type == factory.type) return factory.make(spec);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("pruner.type: unknown pruner \"", spec.pruner().type(), "\""));
}

}  // namespace hpo::server
