// Defaults and rules of a study spec: one validator for the spec file (CLI)
// and the CreateStudy request (coordinator). Pure functions, thread-safe.
#ifndef HPO_COMMON_SPEC_VALIDATOR_H_
#define HPO_COMMON_SPEC_VALIDATOR_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "hpo/v1/study.pb.h"

namespace hpo {

inline constexpr double kDefaultLeaseSeconds = 60;
inline constexpr double kMaxLeaseSeconds = 86400;
inline constexpr int32_t kDefaultMaxRetries = 3;
inline constexpr int32_t kMaxRetries = 100;
// The tpe sampler's n_ei_candidates when the spec leaves it unset (Optuna's).
inline constexpr int32_t kDefaultTpeEiCandidates = 24;
// Bounds that keep one study's memory and messages in reason.
inline constexpr int kMaxParams = 100;
inline constexpr int32_t kMaxTrialsPerStudy = 1'000'000;

// Fills what a spec left unset: the objective (ApplyObjectiveDefaults in
// common/objective.h: val_loss, MINIMIZE), sampler "auto", pruner
// "none", lease 60 s, int steps of 0 become 1; when there is a task: model
// "mlp", optimizer "adamw", the defaults of the training settings
// (kTaskSettings in common/task_settings.h: PyTorch's AdamW defaults, 3 epochs,
// batch size 128, ...), and per dataset the default path and split sizes.
// Does not set sampler.seed: the coordinator draws one. Idempotent.
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

// For a spec file: its explicit zeros. Some settings are proto3 scalars
// without presence, where 0 in a stored spec or a request means "unset, take
// the default" (lease_seconds, task.epochs, task.batch_size,
// task.dataset.train_examples and validation_examples) or "none" (a
// parameter's step); ValidateStudySpec must keep accepting that. A file that
// writes 0 means 0, so each such field that `spec` (as parsed, before
// ApplyStudySpecDefaults) sets to 0 and `is_written` (given a field path as
// in ParsedSpec::lines) says the file wrote is held to the field's rule, and
// refused with the message any other value out of range gets, e.g.
// `task.epochs: must be in [1, 10000] (got 0)`. A 0 the rule allows (csv's
// validation_examples, fashion-mnist's train_examples: "all") passes.
absl::Status ValidateWrittenZeros(const v1::StudySpec& spec,
                                  absl::FunctionRef<bool(const std::string&)> is_written);

}  // namespace hpo

#endif  // HPO_COMMON_SPEC_VALIDATOR_H_
