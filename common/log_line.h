// One line of a service's log on stderr, prefixed with the time in UTC
// (ISO 8601, milliseconds) and written in one piece, so that lines of
// concurrent threads never interleave and a log collected from many
// machines sorts by time:
//   LogLine() << "hpo-worker w1: trial 3 of s started";
//   2026-12-07T03:35:17.123Z hpo-worker w1: trial 3 of s started
// For the coordinator and the worker; the CLI talks to a person and prints
// plain lines.
#ifndef HPO_COMMON_LOG_LINE_H_
#define HPO_COMMON_LOG_LINE_H_

#include <sstream>
#include <string>

#include "absl/strings/string_view.h"

namespace hpo {

class LogLine {
 public:
  LogLine();
  // Writes the line to stderr, ending it with a newline if it has none.
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  template <typename T>
  LogLine& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

  // "2026-12-07T03:35:17.123Z": the prefix, now.
  static std::string Timestamp();
  // `line` without the prefix a LogLine gave it, if it has one.
  static absl::string_view WithoutTimestamp(absl::string_view line);

 private:
  std::ostringstream stream_;
};

}  // namespace hpo

#endif  // HPO_COMMON_LOG_LINE_H_
