// NAME=VALUE assignments of a study's parameters, as `hpo-worker run-once
// --set` and `hpo enqueue --set` take them.
#ifndef HPO_COMMON_PARAM_ASSIGNMENT_H_
#define HPO_COMMON_PARAM_ASSIGNMENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/map.h"
#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"

namespace hpo {

// The params `assignments` set: each NAME a parameter of `spec` (set once),
// each VALUE of its kind and one the space could have drawn
// (CheckParamValue). INVALID_ARGUMENT reading `--set ASSIGNMENT: why`, e.g.
// `--set lr=x: lr is a float; "x" is not a number`.
absl::StatusOr<google::protobuf::Map<std::string, v1::ParamValue>> ParseParamAssignments(
    const v1::StudySpec& spec, const std::vector<std::string>& assignments);

}  // namespace hpo

#endif  // HPO_COMMON_PARAM_ASSIGNMENT_H_
