// Defaults and rules of a study spec: one validator for the spec file (CLI)
// and the CreateStudy request (coordinator). Pure functions, thread-safe.
#ifndef HPO_COMMON_SPEC_VALIDATOR_H_
#define HPO_COMMON_SPEC_VALIDATOR_H_

#include "absl/status/status.h"
#include "hpo/v1/study.pb.h"

namespace hpo {

inline constexpr double kDefaultLeaseSeconds = 60;
inline constexpr double kMaxLeaseSeconds = 86400;
inline constexpr int32_t kDefaultMaxRetries = 3;
inline constexpr int32_t kMaxRetries = 100;
// Bounds that keep one study's memory and messages in reason.
inline constexpr int kMaxParams = 100;
inline constexpr int32_t kMaxTrialsPerStudy = 1'000'000;

// Fills what a spec left unset: direction MINIMIZE, sampler "random", pruner
// "none", lease 60 s, int steps of 0 become 1; when there is a task: model
// "mlp" with "relu" and "he_normal", AdamW with PyTorch's defaults (lr 1e-3,
// weight_decay 1e-2, betas 0.9/0.999, eps 1e-8), 3 epochs, batch size 128,
// and per dataset the default path and split sizes. Does not set
// sampler.seed: the coordinator draws one. Idempotent.
void ApplyStudySpecDefaults(v1::StudySpec* spec);

// OK when `spec` (with defaults applied) can be run. Otherwise
// INVALID_ARGUMENT for the first problem found, whose message starts with the
// field path, e.g. `params.lr.low: must be > 0 when log is true (got 0)` or
// `sampler.type: unknown sampler "foo" (expected one of: random)`; the path is
// also attached (SpecErrorFieldPath in common/spec_error.h).
//
// Studies with a task may only search training settings of that task
// (common/task_settings.h), with the right kind and sensible bounds; studies
// without one (ask/tell) may search anything.
absl::Status ValidateStudySpec(const v1::StudySpec& spec);

}  // namespace hpo

#endif  // HPO_COMMON_SPEC_VALIDATOR_H_
