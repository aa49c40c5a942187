// Reads a study spec file the way the CLI submits it: parse, apply defaults,
// validate. Thread-safe.
#ifndef HPO_COMMON_SPEC_LOADER_H_
#define HPO_COMMON_SPEC_LOADER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hpo/v1/study.pb.h"

namespace hpo {

// The spec in the YAML file at `path`, defaults applied and validated.
// NOT_FOUND naming the path if there is no such file, PERMISSION_DENIED if
// it cannot be opened, INVALID_ARGUMENT for a directory or a bad spec. Every
// spec error reads `PATH:LINE: FIELD.PATH: message`; for a rule broken by a
// value, the line is that of the field or of its nearest parent in the file
// (none when the field is absent and defaulted, e.g. `spec.yaml: name: ...`).
// A setting the file writes as 0 is held to its rule, not given its default
// (ValidateWrittenZeros): `spec.yaml:7: task.epochs: must be in [1, 10000]
// (got 0)`.
absl::StatusOr<v1::StudySpec> LoadStudySpecFile(const std::string& path);

// The same for the text of a spec file; `filename` names it in messages.
absl::StatusOr<v1::StudySpec> LoadStudySpecYaml(std::string_view yaml, std::string_view filename);

}  // namespace hpo

#endif  // HPO_COMMON_SPEC_LOADER_H_
