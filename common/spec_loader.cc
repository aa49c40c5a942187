#include "common/spec_loader.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/spec_error.h"
#include "common/spec_parser.h"
#include "common/spec_validator.h"
#include "common/status_macros.h"
#include "common/string_view_compat.h"

namespace hpo {
namespace {

// The line of `field_path` or of its nearest parent that the file sets:
// "params.lr.low" falls back to "params.lr", then "params".
std::optional<int> FindLine(const ParsedSpec& parsed, std::string field_path) {
  while (!field_path.empty()) {
    auto it = parsed.lines.find(field_path);
    if (it != parsed.lines.end()) return it->second;
    const size_t cut = field_path.find_last_of(".[");
    if (cut == std::string::npos) break;
    field_path.resize(cut);
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<v1::StudySpec> LoadStudySpecFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string yaml, ReadFileToString(path, "spec file"));
  return LoadStudySpecYaml(yaml, path);
}

absl::StatusOr<v1::StudySpec> LoadStudySpecYaml(std::string_view yaml, std::string_view path) {
  ASSIGN_OR_RETURN(ParsedSpec parsed, ParseStudySpecYaml(yaml, path));
  v1::StudySpec spec = parsed.spec;
  ApplyStudySpecDefaults(&spec);
  absl::Status status = ValidateStudySpec(spec);
  if (status.ok()) {
    status = ValidateWrittenZeros(parsed.spec, [&parsed](const std::string& field_path) {
      return parsed.lines.contains(field_path);
    });
  }
  if (status.ok()) return spec;

  std::optional<int> line;
  if (std::optional<std::string> field = SpecErrorFieldPath(status))
    line = FindLine(parsed, *field);
  const std::string where =
      line ? absl::StrCat(ToAbsl(path), ":", *line, ": ") : absl::StrCat(ToAbsl(path), ": ");
  absl::Status located(status.code(), absl::StrCat(where, status.message()));
  status.ForEachPayload([&located](absl::string_view type_url, const absl::Cord& payload) {
    located.SetPayload(type_url, payload);
  });
  return located;
}

}  // namespace hpo
