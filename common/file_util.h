// Reading small files the programs are pointed at (specs, tokens, TLS keys),
// with errors that say which file and why.
#ifndef HPO_COMMON_FILE_UTIL_H_
#define HPO_COMMON_FILE_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hpo {

// The whole file. NOT_FOUND, PERMISSION_DENIED or INVALID_ARGUMENT (a
// directory) with a message naming `what` ("spec file") and the path.
absl::StatusOr<std::string> ReadFileToString(const std::string& path, absl::string_view what);

inline constexpr int64_t kMaxTokenBytes = 4096;

// A bearer token from `text` (a file's contents, $HPO_TOKEN): one word of
// visible ASCII, surrounding whitespace removed. INVALID_ARGUMENT naming
// `source` otherwise (never quoting the token): gRPC would abort on a header
// value with a control byte.
absl::StatusOr<std::string> CheckToken(absl::string_view text, absl::string_view source);

// A bearer token: the file's one word, checked as CheckToken does. Warns on
// stderr when the file can be read by its group or others.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// `result`, its error message prefixed with the flag that named the file
// ("--tls-ca: CA certificate not found: ...").
template <typename T>
absl::StatusOr<T> ForFlag(absl::string_view flag, absl::StatusOr<T> result) {
  if (result.ok()) return result;
  return absl::Status(result.status().code(),
                      absl::StrCat(flag, ": ", result.status().message()));
}

}  // namespace hpo

#endif  // HPO_COMMON_FILE_UTIL_H_
