// The search space of a study: checks on one parameter's distribution and on
// a value drawn from it, and how parameter values are shown to people.
// Shared by the spec validator, the samplers, the coordinator and the CLI.
// Every function here is pure and thread-safe.
#ifndef HPO_COMMON_SEARCH_SPACE_H_
#define HPO_COMMON_SEARCH_SPACE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"

namespace hpo {

// More grid points than this and a float step is too fine to enumerate
// exactly with doubles; the validator rejects such a step.
inline constexpr double kMaxFloatGridPoints = 9007199254740992.0;  // 2^53
// A categorical parameter's choices, and the length of each.
inline constexpr int kMaxChoices = 1000;
inline constexpr int64_t kMaxChoiceBytes = 256;

// Checks one parameter's distribution on its own: the name, exactly one
// distribution, finite and ordered bounds, log and step rules (see
// study.proto). An int step of 0 is read as 1, a float step of 0 as none.
// On failure: INVALID_ARGUMENT whose message starts with the field path, e.g.
// `params.lr.low: must be > 0 when log is true (got 0)`.
absl::Status ValidateParamSpec(const v1::ParamSpec& param);

// A parameter's step as a spec file writes it. There 0 is a value, while in a
// stored spec or a request it means "no step" (proto3 cannot tell 0 from
// unset), so ValidateParamSpec accepts it. A float step must be finite and
// > 0, an int step >= 1; on failure the message is ValidateParamSpec's for
// any other bad step, e.g. `params.lr.step: must be finite and > 0 (got 0)`.
absl::Status ValidateWrittenStep(const v1::ParamSpec& param);

// The int step with 0 read as 1.
int64_t EffectiveIntStep(const v1::IntDistribution& dist);

// The largest k such that low + k * step is a grid point of a stepped float
// distribution (step > 0). Tolerates the rounding of (high - low) / step, so
// that low 0, high 0.3, step 0.1 has 4 points. Requires a valid distribution.
int64_t FloatGridMaxIndex(const v1::FloatDistribution& dist);

// OK when `value` could have been drawn from `param`: the right kind, inside
// [low, high], on the step grid (floats within a relative rounding tolerance),
// one of the choices. Otherwise INVALID_ARGUMENT naming the parameter, e.g.
// `param "lr": 0.5 is above high (0.1)`. `param` is assumed valid.
absl::Status CheckParamValue(const v1::ParamSpec& param, const v1::ParamValue& value);

// The parameter of `spec` called `name`, or nullptr.
const v1::ParamSpec* FindParam(const v1::StudySpec& spec, std::string_view name);

// The value as a number: floats as they are, ints converted, categorical and
// unset values NaN.
double ParamValueAsDouble(const v1::ParamValue& value);

// For people and logs: floats in the shortest form that reads back to the
// same double ("0.001", "1e-05", "3"), ints in decimal, categorical values
// as they are, an unset value as "(unset)".
std::string FormatParamValue(const v1::ParamValue& value);

// The shortest "%.*g" form of `x` that reads back to exactly `x`; "nan",
// "inf", "-inf" for the non-finite.
std::string FormatDouble(double x);

}  // namespace hpo

#endif  // HPO_COMMON_SEARCH_SPACE_H_
