#include "common/log_line.h"

#include <unistd.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hpo {

std::string LogLine::Timestamp() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
}

absl::string_view LogLine::WithoutTimestamp(absl::string_view line) {
  // "2026-12-07T03:35:17.123Z ": 24 characters and a space.
  constexpr size_t kLength = 25;
  if (line.size() < kLength || line[4] != '-' || line[10] != 'T' || line[23] != 'Z' ||
      line[24] != ' ') {
    return line;
  }
  return line.substr(kLength);
}

LogLine::LogLine() { stream_ << Timestamp() << " "; }

LogLine::~LogLine() {
  std::string line = stream_.str();
  if (line.empty() || line.back() != '\n') line += '\n';
  // One write(2): a line never mixes with another thread's.
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
}

}  // namespace hpo
