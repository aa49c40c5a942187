// Maps the canonical setting names of common/task_settings.h to engine
// enums and back. Internal to the engine.
#ifndef HPO_WORKER_ENGINE_NAME_LOOKUP_H_
#define HPO_WORKER_ENGINE_NAME_LOOKUP_H_

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hpo::engine {

// `values[i]` is the enum for `names[i]`. Unknown names are InvalidArgument
// listing the accepted ones.
template <typename Enum, size_t N>
absl::StatusOr<Enum> LookupName(std::string_view kind, std::string_view name,
                                const std::array<std::string_view, N>& names,
                                const Enum (&values)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return values[i];
  }
  std::string message = "unknown ";
  message.append(kind).append(" \"").append(name).append("\"; expected one of ");
  for (size_t i = 0; i < N; ++i) message.append(i == 0 ? "" : ", ").append(names[i]);
  return absl::InvalidArgumentError(message);
}

template <typename Enum, size_t N>
std::string_view NameOf(Enum value, const std::array<std::string_view, N>& names,
                        const Enum (&values)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (values[i] == value) return names[i];
  }
  return "unknown";
}

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_NAME_LOOKUP_H_
