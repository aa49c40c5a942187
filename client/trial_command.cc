#include "client/trial_command.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/trial_format.h"

namespace hpo::client {
namespace {

std::string Placeholder(const std::string& name) { return absl::StrCat("{", name, "}"); }

bool HasPlaceholders(const std::vector<std::string>& command, const v1::StudySpec& spec) {
  for (const v1::ParamSpec& param : spec.params()) {
    for (const std::string& arg : command) {
      if (arg.find(Placeholder(param.name())) != std::string::npos) return true;
    }
  }
  return false;
}

// A value as the command reads it: a categorical's text as it is, a number
// in the shortest form that reads back the same.
std::string ArgText(const nlohmann::ordered_json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

TrialCommand BuildTrialCommand(const std::vector<std::string>& command, const v1::Trial& trial,
                               const v1::StudySpec& spec, const std::string& coordinator_address) {
  const nlohmann::ordered_json params = TrialToJson(trial, spec)["params"];
  TrialCommand result;
  if (HasPlaceholders(command, spec)) {
    std::vector<std::pair<std::string, std::string>> replacements;
    for (const auto& [name, value] : params.items()) {
      replacements.emplace_back(Placeholder(name), ArgText(value));
    }
    for (const std::string& arg : command) {
      result.argv.push_back(absl::StrReplaceAll(arg, replacements));
    }
  } else {
    result.argv = command;
    for (const auto& [name, value] : params.items()) {
      result.argv.push_back(absl::StrCat("--", name, "=", ArgText(value)));
    }
  }
  result.env = {
      absl::StrCat("HPO_STUDY=", trial.study_name()),
      absl::StrCat("HPO_TRIAL=", trial.number()),
      absl::StrCat("HPO_PARAMS=", params.dump()),
      absl::StrCat("HPO_COORDINATOR=", coordinator_address),
  };
  return result;
}

std::vector<std::string> ParamsNotInCommand(const std::vector<std::string>& command,
                                            const v1::StudySpec& spec) {
  std::vector<std::string> missing;
  if (!HasPlaceholders(command, spec)) return missing;
  for (const v1::ParamSpec& param : spec.params()) {
    bool found = false;
    for (const std::string& arg : command) {
      found |= arg.find(Placeholder(param.name())) != std::string::npos;
    }
    if (!found) missing.push_back(param.name());
  }
  return missing;
}

}  // namespace hpo::client
