#include "common/pruner_spec.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/spec_error.h"
#include "common/status_macros.h"

namespace hpo {
namespace {

// A pruner setting (an optional int32 of PrunerSpec): its smallest allowed
// value and Optuna's default (none: the setting may stay unset).
struct Setting {
  const char* name;
  int32_t minimum;
  std::optional<int32_t> default_value;
};

struct PrunerType {
  const char* name;
  std::vector<Setting> settings;
};

// The pruner types a spec may name. A new pruner is its file, one row here and
// one line in the coordinator's factory (server/pruner/pruner.cc).
const std::vector<PrunerType>& PrunerTypes() {
  static const auto* types = new std::vector<PrunerType>{
      {"none", {}},
      {"median",
       {{"n_startup_trials", 0, 5},
        {"n_warmup_steps", 0, 0},
        {"interval_steps", 1, 1},
        {"n_min_trials", 1, 1}}},
      // max_resource defaults to the task's epochs (ApplyPrunerDefaults).
      {"asha",
       {{"min_resource", 1, 1},
        {"reduction_factor", 2, 4},
        {"min_early_stopping_rate", 0, 0},
        {"max_resource", 1, std::nullopt}}},
      {"hyperband",
       {{"min_resource", 1, 1}, {"reduction_factor", 2, 3}, {"max_resource", 1, std::nullopt}}},
  };
  return *types;
}

const PrunerType* FindPrunerType(const std::string& name) {
  for (const PrunerType& type : PrunerTypes()) {
    if (name == type.name) return &type;
  }
  return nullptr;
}

}  // namespace

void ApplyPrunerDefaults(v1::StudySpec* spec) {
  v1::PrunerSpec* pruner = spec->mutable_pruner();
  if (pruner->type().empty()) pruner->set_type("none");
  const PrunerType* type = FindPrunerType(pruner->type());
  if (type == nullptr) return;  // the validator names it
  const google::protobuf::Reflection* r = pruner->GetReflection();
  for (const Setting& setting : type->settings) {
    const google::protobuf::FieldDescriptor* f =
        pruner->GetDescriptor()->FindFieldByName(setting.name);
    if (r->HasField(*pruner, f)) continue;
    if (setting.default_value.has_value()) {
      r->SetInt32(pruner, f, *setting.default_value);
    } else if (std::string(setting.name) == "max_resource" && spec->has_task() &&
               spec->task().epochs() > 0) {
      pruner->set_max_resource(spec->task().epochs());
    }
  }
}

absl::Status ValidatePrunerSpec(const v1::StudySpec& spec) {
  const v1::PrunerSpec& pruner = spec.pruner();
  const std::string& type = pruner.type();
  const PrunerType* known = FindPrunerType(type);
  if (known == nullptr) {
    std::string names;
    for (const PrunerType& t : PrunerTypes())
      absl::StrAppend(&names, names.empty() ? "" : ", ", t.name);
    return SpecFieldError("pruner.type", absl::StrCat("unknown pruner \"", type,
                                                      "\" (expected one of: ", names, ")"));
  }
  const std::vector<Setting>& allowed = known->settings;
  const google::protobuf::Reflection* reflection = pruner.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(pruner, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->name() == "type") continue;
    const std::string path = absl::StrCat("pruner.", field->name());
    auto setting = std::find_if(allowed.begin(), allowed.end(),
                                [&](const Setting& s) { return field->name() == s.name; });
    if (setting == allowed.end()) {
      return SpecFieldError(path, absl::StrCat("not a setting of the \"", type, "\" pruner"));
    }
    const int32_t value = reflection->GetInt32(pruner, field);
    if (value < setting->minimum) {
      return SpecFieldError(
          path, absl::StrCat("must be >= ", setting->minimum, " (got ", value, ")"));
    }
  }
  if (type == "hyperband") {
    if (!pruner.has_max_resource()) {
      return SpecFieldError("pruner.max_resource",
                            "must be set for a study without a task (the most steps a trial "
                            "reports)");
    }
    if (pruner.max_resource() < pruner.min_resource()) {
      return SpecFieldError("pruner.max_resource",
                            absl::StrCat("must be >= min_resource (", pruner.min_resource(),
                                         "), got ", pruner.max_resource()));
    }
  }
  return absl::OkStatus();
}

}  // namespace hpo
