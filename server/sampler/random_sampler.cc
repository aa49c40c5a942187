#include "server/sampler/random_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/search_space.h"
#include "common/status_macros.h"
#include "server/sampler/sampler_rng.h"

namespace hpo::server {
namespace {

double SampleFloat(const v1::FloatDistribution& d, std::mt19937_64& engine) {
  double value;
  if (d.step() > 0) {
    const int64_t k = static_cast<int64_t>(UniformIndex(engine, FloatGridMaxIndex(d)));
    value = d.low() + static_cast<double>(k) * d.step();
  } else if (d.log()) {
    const double log_low = std::log(d.low());
    const double log_high = std::log(d.high());
    value = std::exp(log_low + UniformUnit(engine) * (log_high - log_low));
  } else {
    // Interpolated this way, high - low cannot overflow.
    const double u = UniformUnit(engine);
    value = d.low() * (1 - u) + d.high() * u;
  }
  return std::clamp(value, d.low(), d.high());
}

int64_t SampleInt(const v1::IntDistribution& d, std::mt19937_64& engine) {
  if (d.log()) {
    const double log_low = std::log(static_cast<double>(d.low()) - 0.5);
    const double log_high = std::log(static_cast<double>(d.high()) + 0.5);
    const double x = std::round(std::exp(log_low + UniformUnit(engine) * (log_high - log_low)));
    if (x <= static_cast<double>(d.low())) return d.low();
    if (x >= static_cast<double>(d.high())) return d.high();
    return static_cast<int64_t>(x);
  }
  // Unsigned arithmetic: high - low and low + k * step wrap correctly.
  const uint64_t step = static_cast<uint64_t>(EffectiveIntStep(d));
  const uint64_t span = static_cast<uint64_t>(d.high()) - static_cast<uint64_t>(d.low());
  const uint64_t k = UniformIndex(engine, span / step);
  return static_cast<int64_t>(static_cast<uint64_t>(d.low()) + k * step);
}

v1::ParamValue SampleParam(const v1::ParamSpec& param, std::mt19937_64& engine) {
  v1::ParamValue value;
  switch (param.distribution_case()) {
    case v1::ParamSpec::kFloatDistribution:
      value.set_float_value(SampleFloat(param.float_distribution(), engine));
      break;
    case v1::ParamSpec::kIntDistribution:
      value.set_int_value(SampleInt(param.int_distribution(), engine));
      break;
    case v1::ParamSpec::kCategoricalDistribution: {
      const auto& choices = param.categorical_distribution().choices();
      const uint64_t index = UniformIndex(engine, static_cast<uint64_t>(choices.size()) - 1);
      value.set_categorical_value(choices[static_cast<int>(index)]);
      break;
    }
    case v1::ParamSpec::DISTRIBUTION_NOT_SET:
      break;  // rejected by ValidateParamSpec before we get here
  }
  return value;
}

}  // namespace

absl::StatusOr<ParamMap> RandomSampler::Sample(const v1::StudySpec& spec,
                                               absl::Span<const v1::Trial> /*history*/,
                                               int64_t trial_number) {
  if (trial_number < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("trial number must be >= 0 (got ", trial_number, ")"));
  }
  ParamMap params;
  for (const v1::ParamSpec& param : spec.params()) {
    RETURN_IF_ERROR(ValidateParamSpec(param));
    if (params.count(param.name()) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("params.", param.name(), ": duplicate parameter name"));
    }
    std::mt19937_64 engine = EngineFor(seed_, trial_number, param.name());
    params[param.name()] = SampleParam(param, engine);
  }
  return params;
}

}  // namespace hpo::server
