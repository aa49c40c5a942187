#include "common/pruner_spec.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/spec_error.h"
#include "common/status_macros.h"

namespace hpo {
namespace {

struct Setting {
  const char* name;
  int32_t minimum;
};

// The settings each pruner takes, with their smallest allowed value.
std::vector<Setting> SettingsOf(const std::string& type) {
  if (type == "median") {
    return {{"n_startup_trials", 0}, {"n_warmup_steps", 0}, {"interval_steps", 1},
            {"n_min_trials", 1}};
  }
  if (type == "asha") {
    return {{"min_resource", 1}, {"reduction_factor", 2}, {"min_early_stopping_rate", 0},
            {"max_resource", 1}};
  }
  if (type == "hyperband") {
    return {{"min_resource", 1}, {"reduction_factor", 2}, {"max_resource", 1}};
  }
  return {};
}

constexpr const char* kPrunerTypes[] = {"none", "median", "asha", "hyperband"};

}  // namespace

void ApplyPrunerDefaults(v1::StudySpec* spec) {
  v1::PrunerSpec* pruner = spec->mutable_pruner();
  if (pruner->type().empty()) pruner->set_type("none");
  if (pruner->type() == "median") {
    if (!pruner->has_n_startup_trials()) pruner->set_n_startup_trials(5);
    if (!pruner->has_n_warmup_steps()) pruner->set_n_warmup_steps(0);
    if (!pruner->has_interval_steps()) pruner->set_interval_steps(1);
    if (!pruner->has_n_min_trials()) pruner->set_n_min_trials(1);
  } else if (pruner->type() == "asha") {
    if (!pruner->has_min_resource()) pruner->set_min_resource(1);
    if (!pruner->has_reduction_factor()) pruner->set_reduction_factor(4);
    if (!pruner->has_min_early_stopping_rate()) pruner->set_min_early_stopping_rate(0);
  } else if (pruner->type() == "hyperband") {
    if (!pruner->has_min_resource()) pruner->set_min_resource(1);
    if (!pruner->has_reduction_factor()) pruner->set_reduction_factor(3);
  }
  if ((pruner->type() == "asha" || pruner->type() == "hyperband") &&
      !pruner->has_max_resource() && spec->has_task() && spec->task().epochs() > 0) {
    pruner->set_max_resource(spec->task().epochs());
  }
}

absl::Status ValidatePrunerSpec(const v1::StudySpec& spec) {
  const v1::PrunerSpec& pruner = spec.pruner();
  const std::string& type = pruner.type();
  if (std::find(std::begin(kPrunerTypes), std::end(kPrunerTypes), type) ==
      std::end(kPrunerTypes)) {
    return SpecFieldError("pruner.type", absl::StrCat("unknown pruner \"", type,
                                                      "\" (expected one of: ",
                                                      absl::StrJoin(kPrunerTypes, ", "), ")"));
  }
  const std::vector<Setting> allowed = SettingsOf(type);
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
