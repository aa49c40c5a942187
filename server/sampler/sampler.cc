#include "server/sampler/sampler.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/sampler_spec.h"
#include "common/spec_error.h"
#include "server/sampler/auto_sampler.h"
#include "server/sampler/gp_sampler.h"
#include "server/sampler/random_sampler.h"
#include "server/sampler/tpe_sampler.h"

namespace hpo::server {
namespace {

using Factory = std::unique_ptr<Sampler> (*)(const v1::SamplerSpec& spec);

// One line per type of common/sampler_spec.cc's table.
constexpr struct {
  std::string_view type;
  Factory make;
} kFactories[] = {
    {"auto",
     [](const v1::SamplerSpec& spec) -> std::unique_ptr<Sampler> {
       return std::make_unique<AutoSampler>(spec.seed());
     }},
    {"random",
     [](const v1::SamplerSpec& spec) -> std::unique_ptr<Sampler> {
       return std::make_unique<RandomSampler>(spec.seed());
     }},
    {"tpe",
     [](const v1::SamplerSpec& spec) -> std::unique_ptr<Sampler> {
       return std::make_unique<TpeSampler>(spec.seed(), TpeOptionsFromSpec(spec));
     }},
    {"gp",
     [](const v1::SamplerSpec& spec) -> std::unique_ptr<Sampler> {
       return std::make_unique<GpSampler>(spec.seed(), GpOptionsFromSpec(spec));
     }},
};

}  // namespace

absl::StatusOr<std::unique_ptr<Sampler>> MakeSampler(const v1::SamplerSpec& spec) {
  for (const auto& factory : kFactories) {
    if (spec.type() != factory.type) continue;
    if (!spec.has_seed()) {
      return SpecFieldError("sampler.seed",
                            "must be set before a sampler is made (the coordinator draws one "
                            "when the study is created)");
    }
    return factory.make(spec);
  }
  return SpecFieldError("sampler.type",
                        absl::StrCat("unknown sampler \"", spec.type(),
                                     "\" (expected one of: ", SamplerTypeNames(), ")"));
}

}  // namespace hpo::server
