#include "common/sampler_spec.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/search_space.h"
#include "common/spec_error.h"
#include "google/protobuf/descriptor.h"

namespace hpo {
namespace {

// A numeric setting's range: in [low, high], an end excluded when open; bool
// settings have none.
struct SamplerSetting {
  const char* field;  // of SamplerSpec
  double low = 0;
  bool low_open = false;
  double high = 0;
};

struct SamplerType {
  const char* name;
  std::vector<SamplerSetting> settings;  // besides seed, which every type takes
};

constexpr double kInf = HUGE_VAL;

const std::vector<SamplerType>& SamplerTypes() {
  static const auto* types = new std::vector<SamplerType>{
      // GP, then TPE (server/sampler/auto_sampler.h): Optuna's AutoSampler takes only a seed.
      {"auto", {}},
      {"random", {}},
      // Optuna's TPESampler settings (server/sampler/tpe_sampler.h has the defaults).
      {"tpe",
       {{"n_startup_trials", 0, false, 1e9},
        {"n_ei_candidates", 1, false, 10000},
        {"gamma", 0, true, 1},
        {"prior_weight", 0, true, kInf},
        {"multivariate"},
        {"constant_liar"},
        {"consider_magic_clip"},
        {"consider_endpoints"}}},
      // Optuna's GPSampler settings (server/sampler/gp_sampler.h has the defaults).
      {"gp", {{"n_startup_trials", 0, false, 1e9}, {"deterministic_objective"}}},
  };
  return *types;
}

std::string RangeText(const SamplerSetting& s, bool integer) {
  if (integer && s.high < 1e9) return absl::StrCat("in [", s.low, ", ", s.high, "]");
  if (integer) return absl::StrCat(">= ", s.low);
  if (std::isinf(s.high)) return absl::StrCat("finite and ", s.low_open ? "> " : ">= ", s.low);
  return absl::StrCat("in ", s.low_open ? "(" : "[", s.low, ", ", s.high, "]");
}

// Which types take `field`, for "only applies to the tpe sampler".
std::string TypesTaking(const std::string& field) {
  std::string names;
  for (const SamplerType& type : SamplerTypes()) {
    for (const SamplerSetting& s : type.settings) {
      if (field == s.field) absl::StrAppend(&names, names.empty() ? "" : " or ", type.name);
    }
  }
  return names;
}

}  // namespace

std::string SamplerTypeNames() {
  std::string names;
  for (const SamplerType& type : SamplerTypes()) {
    absl::StrAppend(&names, names.empty() ? "" : ", ", type.name);
  }
  return names;
}

absl::Status ValidateSamplerSpec(const v1::SamplerSpec& sampler) {
  const SamplerType* type = nullptr;
  for (const SamplerType& t : SamplerTypes()) {
    if (sampler.type() == t.name) type = &t;
  }
  if (type == nullptr) {
    return SpecFieldError(
        "sampler.type", absl::StrCat(sampler.type().empty() ? "must be set" : "unknown sampler \"",
                                     sampler.type(), sampler.type().empty() ? "" : "\"",
                                     " (expected one of: ", SamplerTypeNames(), ")"));
  }
  const google::protobuf::Reflection* r = sampler.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(sampler, &fields);
  for (const google::protobuf::FieldDescriptor* f : fields) {
    if (f->name() == "type" || f->name() == "seed") continue;
    const std::string path = absl::StrCat("sampler.", f->name());
    const SamplerSetting* setting = nullptr;
    for (const SamplerSetting& s : type->settings) {
      if (f->name() == s.field) setting = &s;
    }
    if (setting == nullptr) {
      return SpecFieldError(
          path, absl::StrCat("only applies to the ", TypesTaking(f->name()), " sampler"));
    }
    if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_BOOL) continue;
    const bool integer = f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_INT32;
    const double value = integer ? r->GetInt32(sampler, f) : r->GetDouble(sampler, f);
    const bool above = setting->low_open ? value > setting->low : value >= setting->low;
    if (std::isfinite(value) && above && value <= setting->high) continue;
    return SpecFieldError(path, absl::StrCat("must be ", RangeText(*setting, integer), " (got ",
                                             FormatDouble(value), ")"));
  }
  return absl::OkStatus();
}

}  // namespace hpo
