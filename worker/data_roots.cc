#include "worker/data_roots.h"

#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/task_settings.h"

namespace hpo::worker {
namespace {

namespace fs = std::filesystem;

bool IsUnder(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root || (absl::StartsWith(path, root) && path[root.size()] == '/');
}

}  // namespace

absl::StatusOr<DataRoots> DataRoots::Create(const std::vector<std::string>& roots) {
  std::vector<std::string> resolved;
  for (const std::string& root : roots) {
    std::error_code error;
    const fs::path real = fs::canonical(root, error);
    if (error || !fs::is_directory(real, error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--data-root ", root, ": not an existing directory"));
    }
    resolved.push_back(real.string());
  }
  return DataRoots(std::move(resolved));
}

std::vector<std::string> DataRoots::Defaults() {
  std::vector<std::string> roots;
  std::error_code error;
  const fs::path cwd = fs::current_path(error);
  // A worker started from "/" would otherwise allow every file of its host.
  if (!error && cwd != "/") roots.push_back(cwd.string());
  if (fs::is_directory(std::string(kFashionMnistDefaultPath), error)) {
    roots.emplace_back(kFashionMnistDefaultPath);
  }
  return roots;
}

absl::StatusOr<std::string> DataRoots::Resolve(absl::string_view field,
                                               const std::string& path) const {
  std::error_code error;
  const fs::path real = fs::canonical(path, error);
  if (!error) {
    const std::string text = real.string();
    for (const std::string& root : roots_) {
      if (IsUnder(text, root)) return text;
    }
  }
  return absl::PermissionDeniedError(
      absl::StrCat(field, ": \"", path,
                   "\" is not a file under this worker's data roots (hpo-worker --data-root)"));
}

absl::Status DataRoots::ResolveDataConfig(engine::DataConfig* config) const {
  if (config->name == "csv") {
    ASSIGN_OR_RETURN(config->path, Resolve("task.dataset.path", config->path));
    if (!config->test_path.empty()) {
      ASSIGN_OR_RETURN(config->test_path, Resolve("task.dataset.test_path", config->test_path));
    }
  } else if (config->name == "fashion-mnist") {
    const std::string dir =
        config->path.empty() ? std::string(kFashionMnistDefaultPath) : config->path;
    for (const std::string& file : engine::FashionMnistFiles(dir)) {
      RETURN_IF_ERROR(Resolve("task.dataset.path", file).status());
    }
  }
  return absl::OkStatus();
}

}  // namespace hpo::worker
