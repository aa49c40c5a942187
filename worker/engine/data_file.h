// Checks a data file before a reader opens it: a study's paths are untrusted,
// so a device, a FIFO or a huge file must fail cleanly, not block the reader
// or grow it without bound.
//
// Free function; thread-safe.
#ifndef HPO_WORKER_ENGINE_DATA_FILE_H_
#define HPO_WORKER_ENGINE_DATA_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace hpo::engine {

// The largest data file (and, for IDX, the most decompressed bytes) a reader
// takes unless told otherwise.
inline constexpr int64_t kDefaultMaxDataBytes = int64_t{1} << 30;

// OK when `path` is a regular file of at most `max_bytes` bytes. NotFound
// when it does not exist; InvalidArgument naming the path when it is not a
// regular file (a directory, a device, a FIFO) or is too large.
absl::Status CheckDataFile(const std::string& path, int64_t max_bytes);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_DATA_FILE_H_
