#include "server/sampler/gp_space.h"

#include <algorithm>
#include <cmath>

#include "common/search_space.h"
#include "common/status_macros.h"

namespace hpo::server {

absl::StatusOr<GpSpace> GpSpace::Make(const v1::StudySpec& spec) {
  GpSpace space;
  space.spec_ = spec;
  for (int index = 0; index < space.spec_.params_size(); ++index) {
    const v1::ParamSpec& param = space.spec_.params(index);
    RETURN_IF_ERROR(ValidateParamSpec(param));
    Dim dim;
    dim.index = index;
    if (param.has_categorical_distribution()) {
      dim.levels = param.categorical_distribution().choices_size();
      dim.high = static_cast<double>(dim.levels - 1);
    } else if (param.has_float_distribution()) {
      const v1::FloatDistribution& dist = param.float_distribution();
      dim.log = dist.log();
      dim.step = dist.log() ? 0 : dist.step();
      if (dim.step > 0) {
        dim.levels = std::min<int64_t>(FloatGridMaxIndex(dist) + 1, int64_t{1} << 31);
        dim.first = dist.low();
        dim.low = dist.low() - dim.step / 2;
        dim.high = dist.low() + (FloatGridMaxIndex(dist) + 0.5) * dim.step;
      } else {
        dim.low = dim.log ? std::log(dist.low()) : dist.low();
        dim.high = dim.log ? std::log(dist.high()) : dist.high();
      }
    } else {
      const v1::IntDistribution& dist = param.int_distribution();
      dim.log = dist.log();
      dim.step = static_cast<double>(EffectiveIntStep(dist));
      const int64_t count = (dist.high() - dist.low()) / EffectiveIntStep(dist) + 1;
      dim.levels = std::min<int64_t>(count, int64_t{1} << 31);
      dim.first = static_cast<double>(dist.low());
      const double last = static_cast<double>(dist.low()) + (count - 1) * dim.step;
      dim.low = dim.log ? std::log(dist.low() - 0.5) : dist.low() - dim.step / 2;
      dim.high = dim.log ? std::log(last + 0.5) : last + dim.step / 2;
    }
    space.categorical_.push_back(param.has_categorical_distribution());
    space.dims_.push_back(dim);
  }
  return space;
}

bool GpSpace::Encode(const ParamMap& params, double* out) const {
  for (size_t d = 0; d < dims_.size(); ++d) {
    const Dim& dim = dims_[d];
    const v1::ParamSpec& param = spec_.params(dim.index);
    auto it = params.find(param.name());
    if (it == params.end() || !CheckParamValue(param, it->second).ok()) return false;
    if (categorical_[d]) {
      const auto& choices = param.categorical_distribution().choices();
      out[d] = static_cast<double>(
          std::find(choices.begin(), choices.end(), it->second.categorical_value()) -
          choices.begin());
      continue;
    }
    const double x = ParamValueAsDouble(it->second);
    const double t = dim.log ? std::log(x) : x;
    // A float with low == high has one value: any coordinate decodes to it.
    out[d] = dim.high > dim.low ? std::clamp((t - dim.low) / (dim.high - dim.low), 0.0, 1.0) : 0.5;
  }
  return true;
}

double GpSpace::Value(const Dim& dim, double u) const {
  const double t = dim.low + std::clamp(u, 0.0, 1.0) * (dim.high - dim.low);
  const double x = dim.log ? std::exp(t) : t;
  const v1::ParamSpec& param = spec_.params(dim.index);
  if (dim.step == 0) {  // a continuous float
    return std::clamp(x, param.float_distribution().low(), param.float_distribution().high());
  }
  const double k =
      std::clamp(std::round((x - dim.first) / dim.step), 0.0, static_cast<double>(dim.levels - 1));
  const double value = dim.first + k * dim.step;
  return param.has_float_distribution() ? std::min(value, param.float_distribution().high())
                                        : value;
}

double GpSpace::Snap(int d, double u) const {
  const Dim& dim = dims_[d];
  if (categorical_[d]) return std::clamp(std::round(u), 0.0, dim.high);
  if (dim.levels == 0) return std::clamp(u, 0.0, 1.0);
  const double x = Value(dim, u);
  return ((dim.log ? std::log(x) : x) - dim.low) / (dim.high - dim.low);
}

double GpSpace::Coordinate(int d, int64_t level) const {
  const Dim& dim = dims_[d];
  if (categorical_[d]) return static_cast<double>(level);
  const double x = dim.first + static_cast<double>(level) * dim.step;
  return ((dim.log ? std::log(x) : x) - dim.low) / (dim.high - dim.low);
}

int64_t GpSpace::Level(int d, double u) const {
  const Dim& dim = dims_[d];
  if (categorical_[d]) return static_cast<int64_t>(std::clamp(std::round(u), 0.0, dim.high));
  return static_cast<int64_t>(std::round((Value(dim, u) - dim.first) / dim.step));
}

ParamMap GpSpace::Decode(const double* point) const {
  ParamMap params;
  for (size_t d = 0; d < dims_.size(); ++d) {
    const Dim& dim = dims_[d];
    const v1::ParamSpec& param = spec_.params(dim.index);
    v1::ParamValue& value = params[param.name()];
    if (categorical_[d]) {
      const auto index = static_cast<int>(std::clamp(std::round(point[d]), 0.0, dim.high));
      value.set_categorical_value(param.categorical_distribution().choices(index));
    } else if (param.has_float_distribution()) {
      value.set_float_value(Value(dim, point[d]));
    } else {
      value.set_int_value(static_cast<int64_t>(Value(dim, point[d])));
    }
  }
  return params;
}

}  // namespace hpo::server
