// Reads a study spec from YAML. The YAML keys are the field names of
// hpo.v1.StudySpec (proto/hpo/v1/study.proto); `params` is a mapping from
// parameter name to its distribution, e.g.
//
//   params:
//     lr: {type: float, low: 1.0e-5, high: 1.0e-1, log: true}
//     width: {type: int, low: 16, high: 512, log: true}
//     act: {type: categorical, choices: [relu, tanh]}
//
// Parsing checks only the shape of the file (known fields, value types,
// required parameter fields); defaults and value rules live in
// common/spec_validator.h.
#ifndef HPO_COMMON_SPEC_PARSER_H_
#define HPO_COMMON_SPEC_PARSER_H_

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "hpo/v1/study.pb.h"

namespace hpo {

struct ParsedSpec {
  v1::StudySpec spec;
  // Field path -> 1-based line of its key in the file, for every field set:
  // "name", "sampler.seed", "params.lr", "params.lr.low",
  // "params.act.choices[1]", "task.model.hidden[0]", ...
  absl::flat_hash_map<std::string, int> lines;
};

// Parses `yaml` (one document). `filename` is only used in messages. On
// failure: INVALID_ARGUMENT `FILE:LINE: FIELD.PATH: message`, e.g.
// `spec.yaml:7: params.lr.lgo: unknown field (expected one of: type, low,
// high, log, step)`, for YAML syntax errors, unknown or repeated keys, values
// of the wrong type and missing parameter fields. Never throws.
absl::StatusOr<ParsedSpec> ParseStudySpecYaml(std::string_view yaml, std::string_view filename);

}  // namespace hpo

#endif  // HPO_COMMON_SPEC_PARSER_H_
