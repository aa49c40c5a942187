// Where a worker may read data: the directories its operator allows
// (hpo-worker --data-root). A study's spec is untrusted input: its data paths
// are resolved (symlinks, "..") and must lie under a root, so a study cannot
// make a worker read /proc/self/environ or a key file beside it.
//
// Immutable after Create; thread-safe.
#ifndef HPO_WORKER_DATA_ROOTS_H_
#define HPO_WORKER_DATA_ROOTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/engine/data.h"

namespace hpo::worker {

class DataRoots {
 public:
  // No roots: every path is refused.
  DataRoots() = default;

  // `roots` are resolved now (relative ones against the working directory);
  // INVALID_ARGUMENT naming the root when one is not an existing directory.
  static absl::StatusOr<DataRoots> Create(const std::vector<std::string>& roots);

  // The default roots: the working directory (unless it is "/") and Debian's
  // Fashion-MNIST directory, those of them that exist.
  static std::vector<std::string> Defaults();

  // The real path of `path` (relative: to the working directory) when it is
  // under a root. Otherwise PERMISSION_DENIED naming `field` and `path` as
  // given; a missing file, a file outside every root and one that cannot be
  // resolved get the same message, so the answer tells nothing about what
  // exists outside the roots.
  absl::StatusOr<std::string> Resolve(absl::string_view field, const std::string& path) const;

  // Replaces every file path of `config` with its resolved form (for
  // fashion-mnist: each of its four files must resolve under a root).
  absl::Status ResolveDataConfig(engine::DataConfig* config) const;

  const std::vector<std::string>& roots() const { return roots_; }

 private:
  explicit DataRoots(std::vector<std::string> roots) : roots_(std::move(roots)) {}

  std::vector<std::string> roots_;  // canonical, without a trailing '/'
};

}  // namespace hpo::worker

#endif  // HPO_WORKER_DATA_ROOTS_H_
