#include "common/spec_loader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/spec_error.h"
#include "common/spec_parser.h"
#include "common/spec_validator.h"
#include "common/status_macros.h"

namespace hpo {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat("spec file not found: ", path));
    }
    if (error == EACCES) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot read spec file ", path, ": ", std::strerror(error)));
    }
    return absl::UnknownError(
        absl::StrCat("cannot read spec file ", path, ": ", std::strerror(error)));
  }
  if (S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("spec file ", path, " is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open spec file ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading spec file ", path));
  return contents.str();
}

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
  ASSIGN_OR_RETURN(std::string yaml, ReadFile(path));
  ASSIGN_OR_RETURN(ParsedSpec parsed, ParseStudySpecYaml(yaml, path));
  ApplyStudySpecDefaults(&parsed.spec);
  absl::Status status = ValidateStudySpec(parsed.spec);
  if (status.ok()) return std::move(parsed.spec);

  std::optional<int> line;
  if (std::optional<std::string> field = SpecErrorFieldPath(status))
    line = FindLine(parsed, *field);
  const std::string where = line ? absl::StrCat(path, ":", *line, ": ") : absl::StrCat(path, ": ");
  absl::Status located(status.code(), absl::StrCat(where, status.message()));
  status.ForEachPayload([&located](absl::string_view type_url, const absl::Cord& payload) {
    located.SetPayload(type_url, payload);
  });
  return located;
}

}  // namespace hpo
