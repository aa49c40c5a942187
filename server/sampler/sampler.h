// The interface of the samplers that draw a trial's parameters. A sampler is
// a pure function of (study spec, trial history, trial number): it never
// reads the database, so it can be tested and benchmarked alone, and a
// coordinator that restarts draws the same parameters again.
#ifndef HPO_SERVER_SAMPLER_SAMPLER_H_
#define HPO_SERVER_SAMPLER_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "google/protobuf/map.h"
#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"

namespace hpo::server {

using ParamMap = google::protobuf::Map<std::string, v1::ParamValue>;

// Thread-compatible: the coordinator serialises calls per study.
class Sampler {
 public:
  virtual ~Sampler() = default;

  // Draws parameters for trial `trial_number` (>= 0) given the study's
  // finished and running trials: one value per entry of `spec.params`, each
  // passing CheckParamValue (common/search_space.h). INVALID_ARGUMENT for a
  // negative trial number or an invalid parameter distribution.
  virtual absl::StatusOr<ParamMap> Sample(const v1::StudySpec& spec,
                                          absl::Span<const v1::Trial> history,
                                          int64_t trial_number) = 0;
};

// The sampler `spec` names; `spec.seed` must be set (the coordinator draws
// one when the study is created). One of common/sampler_spec.cc's types; any
// other is INVALID_ARGUMENT naming sampler.type.
absl::StatusOr<std::unique_ptr<Sampler>> MakeSampler(const v1::SamplerSpec& spec);

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_SAMPLER_H_
