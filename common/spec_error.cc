#include "common/spec_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/string_view_compat.h"

namespace hpo {
namespace {

constexpr char kFieldPathPayload[] = "type.hpo.dev/hpo.FieldPath";

}  // namespace

absl::Status SpecFieldError(std::string_view path, std::string_view message) {
  absl::Status status(
      absl::StatusCode::kInvalidArgument,
      path.empty() ? std::string(message) : absl::StrCat(ToAbsl(path), ": ", ToAbsl(message)));
  status.SetPayload(kFieldPathPayload, absl::Cord(ToAbsl(path)));
  return status;
}

std::optional<std::string> SpecErrorFieldPath(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kFieldPathPayload);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace hpo
