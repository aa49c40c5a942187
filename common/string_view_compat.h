// Debian's abseil 20220623 is built with its own absl::string_view, not an
// alias of std::string_view, so the two do not convert into each other. Our
// headers speak std::string_view; these cross into abseil's APIs (StrCat,
// Status, Cord) without a copy.
#ifndef HPO_COMMON_STRING_VIEW_COMPAT_H_
#define HPO_COMMON_STRING_VIEW_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace hpo {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace hpo

#endif  // HPO_COMMON_STRING_VIEW_COMPAT_H_
