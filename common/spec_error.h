// Errors about a field of a study spec. The message reads
// `FIELD.PATH: what is wrong`; the path also rides along as a status payload
// so that callers (the spec file loader, the gRPC service) can point at the
// field without parsing the message.
#ifndef HPO_COMMON_SPEC_ERROR_H_
#define HPO_COMMON_SPEC_ERROR_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace hpo {

// INVALID_ARGUMENT with message `path: message` (just `message` when `path`
// is empty) and the path attached as a payload.
absl::Status SpecFieldError(std::string_view path, std::string_view message);

// The field path attached by SpecFieldError, if any.
std::optional<std::string> SpecErrorFieldPath(const absl::Status& status);

}  // namespace hpo

#endif  // HPO_COMMON_SPEC_ERROR_H_
