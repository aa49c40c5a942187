#include "common/search_space.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/spec_error.h"
#include "common/status_macros.h"

namespace hpo {
namespace {

constexpr size_t kMaxParamNameLength = 128;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

absl::Status ValidateParamName(absl::string_view name) {
  if (name.empty()) return SpecFieldError("params", "a parameter has an empty name");
  const std::string path = absl::StrCat("params.", name);
  if (name.size() > kMaxParamNameLength) {
    return SpecFieldError(
        path, absl::StrFormat("name is longer than %d characters", kMaxParamNameLength));
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return SpecFieldError(path, "name may only contain letters, digits, '.', '_' and '-'");
    }
  }
  return absl::OkStatus();
}

// A step that is given. In a stored spec or a request a step of 0 means
// none (proto3 cannot tell it from unset), so ValidateFloat and ValidateInt
// check only a nonzero step; a spec file's written 0 is checked here too
// (ValidateWrittenStep).
absl::Status CheckFloatStep(const std::string& path, double step) {
  if (step > 0 && std::isfinite(step)) return absl::OkStatus();
  return SpecFieldError(path + ".step",
                        absl::StrCat("must be finite and > 0 (got ", FormatDouble(step), ")"));
}

absl::Status CheckIntStep(const std::string& path, int64_t step) {
  if (step >= 1) return absl::OkStatus();
  return SpecFieldError(path + ".step", absl::StrCat("must be >= 1 (got ", step, ")"));
}

absl::Status ValidateFloat(const std::string& path, const v1::FloatDistribution& d) {
  if (!std::isfinite(d.low())) {
    return SpecFieldError(path + ".low",
                          absl::StrCat("must be finite (got ", FormatDouble(d.low()), ")"));
  }
  if (!std::isfinite(d.high())) {
    return SpecFieldError(path + ".high",
                          absl::StrCat("must be finite (got ", FormatDouble(d.high()), ")"));
  }
  if (d.low() > d.high()) {
    return SpecFieldError(path, absl::StrCat("low (", FormatDouble(d.low()), ") must be <= high (",
                                             FormatDouble(d.high()), ")"));
  }
  if (d.log() && d.low() <= 0) {
    return SpecFieldError(path + ".low", absl::StrCat("must be > 0 when log is true (got ",
                                                      FormatDouble(d.low()), ")"));
  }
  if (d.step() != 0) RETURN_IF_ERROR(CheckFloatStep(path, d.step()));
  if (d.step() > 0) {
    if (d.log()) return SpecFieldError(path, "step and log cannot be used together");
    const double range = d.high() - d.low();
    if (range > 0 && d.step() > range) {
      return SpecFieldError(path + ".step",
                            absl::StrCat("must be <= high - low (", FormatDouble(range), "), got ",
                                         FormatDouble(d.step())));
    }
    if (range / d.step() >= kMaxFloatGridPoints) {
      return SpecFieldError(path + ".step", absl::StrCat("is too small for the range (more than "
                                                         "2^53 grid points), got ",
                                                         FormatDouble(d.step())));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateInt(const std::string& path, const v1::IntDistribution& d) {
  if (d.low() > d.high()) {
    return SpecFieldError(path,
                          absl::StrCat("low (", d.low(), ") must be <= high (", d.high(), ")"));
  }
  if (d.step() != 0) RETURN_IF_ERROR(CheckIntStep(path, d.step()));
  if (d.log()) {
    if (d.low() < 1) {
      return SpecFieldError(path + ".low",
                            absl::StrCat("must be >= 1 when log is true (got ", d.low(), ")"));
    }
    if (EffectiveIntStep(d) != 1) {
      return SpecFieldError(path, "step and log cannot be used together (step must be 1)");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCategorical(const std::string& path, const v1::CategoricalDistribution& d) {
  if (d.choices().empty()) return SpecFieldError(path + ".choices", "must not be empty");
  if (d.choices_size() > kMaxChoices) {
    return SpecFieldError(path + ".choices", absl::StrCat("at most ", kMaxChoices, " choices (got ",
                                                          d.choices_size(), ")"));
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (int i = 0; i < d.choices_size(); ++i) {
    const std::string& choice = d.choices(i);
    const std::string choice_path = absl::StrCat(path, ".choices[", i, "]");
    if (choice.empty()) return SpecFieldError(choice_path, "must not be empty");
    if (static_cast<int64_t>(choice.size()) > kMaxChoiceBytes) {
      return SpecFieldError(choice_path, absl::StrCat("at most ", kMaxChoiceBytes, " bytes (got ",
                                                      choice.size(), ")"));
    }
    if (!seen.insert(choice).second) {
      return SpecFieldError(choice_path, absl::StrCat("duplicate choice \"", choice, "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status ValueError(const v1::ParamSpec& param, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("param \"", param.name(), "\": ", message));
}

std::string KindName(const v1::ParamValue& value) {
  switch (value.kind_case()) {
    case v1::ParamValue::kFloatValue:
      return absl::StrCat("a float (", FormatDouble(value.float_value()), ")");
    case v1::ParamValue::kIntValue:
      return absl::StrCat("an int (", value.int_value(), ")");
    case v1::ParamValue::kCategoricalValue:
      return absl::StrCat("a categorical value (\"", value.categorical_value(), "\")");
    case v1::ParamValue::KIND_NOT_SET:
      break;
  }
  return "no value";
}

absl::Status CheckFloatValue(const v1::ParamSpec& param, const v1::ParamValue& value) {
  const v1::FloatDistribution& d = param.float_distribution();
  if (value.kind_case() != v1::ParamValue::kFloatValue) {
    return ValueError(param, absl::StrCat("expected a float value, got ", KindName(value)));
  }
  const double v = value.float_value();
  if (std::isnan(v)) return ValueError(param, "value is NaN");
  if (v < d.low()) {
    return ValueError(param,
                      absl::StrCat(FormatDouble(v), " is below low (", FormatDouble(d.low()), ")"));
  }
  if (v > d.high()) {
    return ValueError(
        param, absl::StrCat(FormatDouble(v), " is above high (", FormatDouble(d.high()), ")"));
  }
  if (d.step() > 0) {
    const double k = (v - d.low()) / d.step();
    const double nearest = std::round(k);
    // Grid points are computed as low + k * step, so allow their rounding.
    if (std::fabs(k - nearest) > 1e-9 * std::max(1.0, nearest)) {
      return ValueError(
          param, absl::StrCat(FormatDouble(v), " is not on the grid low (", FormatDouble(d.low()),
                              ") + k * step (", FormatDouble(d.step()), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckIntValue(const v1::ParamSpec& param, const v1::ParamValue& value) {
  const v1::IntDistribution& d = param.int_distribution();
  if (value.kind_case() != v1::ParamValue::kIntValue) {
    return ValueError(param, absl::StrCat("expected an int value, got ", KindName(value)));
  }
  const int64_t v = value.int_value();
  if (v < d.low()) return ValueError(param, absl::StrCat(v, " is below low (", d.low(), ")"));
  if (v > d.high()) return ValueError(param, absl::StrCat(v, " is above high (", d.high(), ")"));
  // Unsigned arithmetic: v - low cannot overflow once v >= low.
  const uint64_t offset = static_cast<uint64_t>(v) - static_cast<uint64_t>(d.low());
  const int64_t step = EffectiveIntStep(d);
  if (offset % static_cast<uint64_t>(step) != 0) {
    return ValueError(
        param, absl::StrCat(v, " is not on the grid low (", d.low(), ") + k * step (", step, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckCategoricalValue(const v1::ParamSpec& param, const v1::ParamValue& value) {
  if (value.kind_case() != v1::ParamValue::kCategoricalValue) {
    return ValueError(param, absl::StrCat("expected a categorical value, got ", KindName(value)));
  }
  for (const std::string& choice : param.categorical_distribution().choices()) {
    if (choice == value.categorical_value()) return absl::OkStatus();
  }
  return ValueError(param,
                    absl::StrCat("\"", value.categorical_value(), "\" is not one of the choices"));
}

}  // namespace

absl::Status ValidateParamSpec(const v1::ParamSpec& param) {
  RETURN_IF_ERROR(ValidateParamName(param.name()));
  const std::string path = absl::StrCat("params.", param.name());
  switch (param.distribution_case()) {
    case v1::ParamSpec::kFloatDistribution:
      return ValidateFloat(path, param.float_distribution());
    case v1::ParamSpec::kIntDistribution:
      return ValidateInt(path, param.int_distribution());
    case v1::ParamSpec::kCategoricalDistribution:
      return ValidateCategorical(path, param.categorical_distribution());
    case v1::ParamSpec::DISTRIBUTION_NOT_SET:
      break;
  }
  return SpecFieldError(path, "no distribution (type must be float, int or categorical)");
}

absl::Status ValidateWrittenStep(const v1::ParamSpec& param) {
  const std::string path = absl::StrCat("params.", param.name());
  if (param.has_float_distribution()) {
    return CheckFloatStep(path, param.float_distribution().step());
  }
  if (param.has_int_distribution()) return CheckIntStep(path, param.int_distribution().step());
  return absl::OkStatus();
}

int64_t EffectiveIntStep(const v1::IntDistribution& dist) {
  return dist.step() == 0 ? 1 : dist.step();
}

int64_t FloatGridMaxIndex(const v1::FloatDistribution& dist) {
  const double ratio = (dist.high() - dist.low()) / dist.step();
  const double nearest = std::round(ratio);
  if (std::fabs(ratio - nearest) <= 1e-9 * std::max(1.0, nearest)) {
    return static_cast<int64_t>(nearest);
  }
  return static_cast<int64_t>(std::floor(ratio));
}

const v1::ParamSpec* FindParam(const v1::StudySpec& spec, std::string_view name) {
  for (const v1::ParamSpec& param : spec.params()) {
    if (param.name() == name) return &param;
  }
  return nullptr;
}

absl::Status CheckParamValue(const v1::ParamSpec& param, const v1::ParamValue& value) {
  switch (param.distribution_case()) {
    case v1::ParamSpec::kFloatDistribution:
      return CheckFloatValue(param, value);
    case v1::ParamSpec::kIntDistribution:
      return CheckIntValue(param, value);
    case v1::ParamSpec::kCategoricalDistribution:
      return CheckCategoricalValue(param, value);
    case v1::ParamSpec::DISTRIBUTION_NOT_SET:
      break;
  }
  return ValueError(param, "the parameter has no distribution");
}

double ParamValueAsDouble(const v1::ParamValue& value) {
  switch (value.kind_case()) {
    case v1::ParamValue::kFloatValue:
      return value.float_value();
    case v1::ParamValue::kIntValue:
      return static_cast<double>(value.int_value());
    case v1::ParamValue::kCategoricalValue:
    case v1::ParamValue::KIND_NOT_SET:
      break;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::string FormatParamValue(const v1::ParamValue& value) {
  switch (value.kind_case()) {
    case v1::ParamValue::kFloatValue:
      return FormatDouble(value.float_value());
    case v1::ParamValue::kIntValue:
      return absl::StrCat(value.int_value());
    case v1::ParamValue::kCategoricalValue:
      return value.categorical_value();
    case v1::ParamValue::KIND_NOT_SET:
      break;
  }
  return "(unset)";
}

std::string FormatDouble(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buffer[32];
  // Whole numbers read best in full ("86400", not "8.64e+04").
  if (x == std::trunc(x) && std::fabs(x) < 1e15) {
    std::snprintf(buffer, sizeof(buffer), "%.0f", x);
    return buffer;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, x);
    if (std::strtod(buffer, nullptr) == x) break;
  }
  return buffer;
}

}  // namespace hpo
