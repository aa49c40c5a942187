#include "common/param_assignment.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/command_line.h"
#include "common/search_space.h"
#include "common/status_macros.h"

namespace hpo {
namespace {

absl::Status BadAssignment(const std::string& assignment, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--set ", assignment, ": ", why));
}

// The value of `text` as the parameter's kind; whether it could have been
// drawn (range, step grid, choices) is CheckParamValue's, as for a Tell.
absl::StatusOr<v1::ParamValue> ParseAssigned(const v1::ParamSpec& param,
                                             const std::string& assignment,
                                             const std::string& text) {
  v1::ParamValue value;
  if (param.has_float_distribution()) {
    const absl::StatusOr<double> parsed = ParseNumber(text);
    if (!parsed.ok() || !std::isfinite(*parsed)) {
      return BadAssignment(
          assignment, absl::StrCat(param.name(), " is a float; \"", text, "\" is not a number"));
    }
    value.set_float_value(*parsed);
  } else if (param.has_int_distribution()) {
    const absl::StatusOr<int64_t> parsed = ParseInteger(text, std::numeric_limits<int64_t>::min());
    if (!parsed.ok()) {
      return BadAssignment(
          assignment, absl::StrCat(param.name(), " is an int; \"", text, "\" is not an integer"));
    }
    value.set_int_value(*parsed);
  } else {
    value.set_categorical_value(text);
  }
  if (absl::Status fits = CheckParamValue(param, value); !fits.ok()) {
    return BadAssignment(assignment, fits.message());
  }
  return value;
}

}  // namespace

absl::StatusOr<google::protobuf::Map<std::string, v1::ParamValue>> ParseParamAssignments(
    const v1::StudySpec& spec, const std::vector<std::string>& assignments) {
  google::protobuf::Map<std::string, v1::ParamValue> params;
  for (const std::string& assignment : assignments) {
    const size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      return BadAssignment(assignment, "expected NAME=VALUE");
    }
    const std::string name = assignment.substr(0, equals);
    const std::string text = assignment.substr(equals + 1);
    const v1::ParamSpec* param = FindParam(spec, name);
    if (param == nullptr) {
      std::vector<std::string> names;
      for (const v1::ParamSpec& p : spec.params()) names.push_back(p.name());
      return BadAssignment(assignment,
                           absl::StrCat("the spec has no parameter \"", name,
                                        "\" (parameters: ", absl::StrJoin(names, ", "), ")"));
    }
    if (params.count(name) > 0) return BadAssignment(assignment, "set more than once");
    ASSIGN_OR_RETURN(params[name], ParseAssigned(*param, assignment, text));
  }
  return params;
}

}  // namespace hpo
