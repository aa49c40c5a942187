// Pruners decide, on each intermediate report, whether a trial should stop.
// Like samplers they never touch storage: they are handed the study's trials
// (in number order, every state, with their intermediate values) and are
// pure functions of them, so the coordinator can rebuild their view after a
// restart simply by reloading the trials.
#ifndef HPO_SERVER_PRUNER_PRUNER_H_
#define HPO_SERVER_PRUNER_PRUNER_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"

namespace hpo::server {

class Pruner {
 public:
  virtual ~Pruner() = default;
  // Whether `trial`, which has just reported `step` (already among its
  // intermediate values), should stop. `trials` holds every trial of the study,
  // `trial` included. Thread-compatible.
  virtual bool ShouldPrune(absl::Span<const v1::Trial> trials, const v1::Trial& trial,
                           int64_t step) const = 0;
};

// The pruner the spec (defaults applied) asks for: "none", "median", "asha" or
// "hyperband". INVALID_ARGUMENT for an unknown type.
absl::StatusOr<std::unique_ptr<Pruner>> MakePruner(const v1::StudySpec& spec);

// The value `trial` reported at `step`, if it did.
std::optional<double> ValueAt(const v1::Trial& trial, int64_t step);

}  // namespace hpo::server

#endif  // HPO_SERVER_PRUNER_PRUNER_H_
