#include "server/sampler/sampler.h"

#include "absl/strings/str_cat.h"
#include "common/spec_error.h"
#include "server/sampler/random_sampler.h"
#include "server/sampler/tpe_sampler.h"

namespace hpo::server {

absl::StatusOr<std::unique_ptr<Sampler>> MakeSampler(const v1::SamplerSpec& spec) {
  if (spec.type() == "random") {
    if (!spec.has_seed()) {
      return SpecFieldError("sampler.seed",
                            "must be set before a sampler is made (the coordinator draws one "
                            "when the study is created)");
    }
    return std::make_unique<RandomSampler>(spec.seed());
  }
  if (spec.type() == "tpe") {
    if (!spec.has_seed()) {
      return SpecFieldError("sampler.seed",
                            "must be set before a sampler is made (the coordinator draws one "
                            "when the study is created)");
    }
    return std::make_unique<TpeSampler>(spec.seed(), TpeOptionsFromSpec(spec));
  }
  return SpecFieldError("sampler.type", absl::StrCat("unknown sampler \"", spec.type(),
                                                     "\" (expected one of: random, tpe)"));
}

}  // namespace hpo::server
