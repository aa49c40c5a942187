// Defaults and rules of the pruner section of a study spec.
#ifndef HPO_COMMON_PRUNER_SPEC_H_
#define HPO_COMMON_PRUNER_SPEC_H_

#include "absl/status/status.h"
#include "hpo/v1/study.pb.h"

namespace hpo {

// Fills the unset settings of the chosen pruner with Optuna's defaults
// (hyperband's max_resource: the task's epochs). Idempotent.
void ApplyPrunerDefaults(v1::StudySpec* spec);

// INVALID_ARGUMENT naming the field, e.g. `pruner.reduction_factor: must be >=
// 2 (got 1)` or `pruner.n_warmup_steps: not a setting of the "asha" pruner`.
absl::Status ValidatePrunerSpec(const v1::StudySpec& spec);

}  // namespace hpo

#endif  // HPO_COMMON_PRUNER_SPEC_H_
