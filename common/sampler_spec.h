// The sampler types a spec may name and the settings each takes: one table
// (common/sampler_spec.cc) read by the validator and the messages; the
// coordinator's factory (server/sampler/sampler.cc) builds each type. A new
// sampler is its file, one row here and one line in the factory.
#ifndef HPO_COMMON_SAMPLER_SPEC_H_
#define HPO_COMMON_SAMPLER_SPEC_H_

#include <string>

#include "absl/status/status.h"
#include "hpo/v1/study.pb.h"

namespace hpo {

// The default type of a spec without `sampler.type`.
inline constexpr char kDefaultSamplerType[] = "auto";

// "auto, random, tpe, gp".
std::string SamplerTypeNames();

// The sampler section of a spec (type lower-cased, defaults applied): a known
// type, only the settings that type takes, each in its range. Otherwise
// INVALID_ARGUMENT naming the field, e.g. `sampler.gamma: must be in (0, 1]
// (got 2)` or `sampler.multivariate: only applies to the tpe sampler`.
absl::Status ValidateSamplerSpec(const v1::SamplerSpec& sampler);

}  // namespace hpo

#endif  // HPO_COMMON_SAMPLER_SPEC_H_
