#include "common/file_util.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace hpo {

absl::StatusOr<std::string> ReadFileToString(const std::string& path, absl::string_view what) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat(what, " not found: ", path));
    }
    if (error == EACCES) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot read ", what, " ", path, ": ", std::strerror(error)));
    }
    return absl::UnknownError(
        absl::StrCat("cannot read ", what, " ", path, ": ", std::strerror(error)));
  }
  if (S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, " is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open ", what, " ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", what, " ", path));
  return contents.str();
}

absl::StatusOr<std::string> CheckToken(absl::string_view text, absl::string_view source) {
  const absl::string_view token = absl::StripAsciiWhitespace(text);
  if (token.empty()) return absl::InvalidArgumentError(absl::StrCat(source, " is empty"));
  if (static_cast<int64_t>(token.size()) > kMaxTokenBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": a token is at most ", kMaxTokenBytes, " bytes"));
  }
  for (size_t i = 0; i < token.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(token[i]);
    if (c <= 0x20 || c >= 0x7f) {
      // The token itself is never echoed: only where the bad byte is.
      return absl::InvalidArgumentError(absl::StrCat(
          source, " must hold one token of visible ASCII characters; byte ", i + 1,
          c == ' ' || c == '\t' || c == '\n' || c == '\r' ? " is white space" : " is not"));
    }
  }
  return std::string(token);
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string contents, ReadFileToString(path, "token file"));
  struct stat info;
  // Group read is how services share it (root:hpo 640 under systemd, 0440
  // with fsGroup in Kubernetes); anyone else, or a group that may write, is
  // warned about.
  if (stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXO | S_IWGRP)) != 0) {
    std::cerr << "warning: token file " << path
              << " can be read or changed by other users; chmod 600 (or 640 for a service's "
                 "group) "
              << path << "\n";
  }
  return CheckToken(contents, absl::StrCat("token file ", path));
}

}  // namespace hpo
