// Comparing secrets (bearer tokens) without an early exit, so the time taken
// says nothing about where a guess first differs.
#ifndef HPO_COMMON_CONSTANT_TIME_H_
#define HPO_COMMON_CONSTANT_TIME_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace hpo {

inline bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace hpo

#endif  // HPO_COMMON_CONSTANT_TIME_H_
