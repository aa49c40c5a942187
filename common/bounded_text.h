// A message cut to fit what the coordinator stores, at a character boundary
// (a proto string must be valid UTF-8), "..." marking the cut.
#ifndef HPO_COMMON_BOUNDED_TEXT_H_
#define HPO_COMMON_BOUNDED_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/api_limits.h"

namespace hpo {

inline std::string BoundedText(absl::string_view text, int64_t max_bytes = kMaxFailReasonBytes) {
  if (static_cast<int64_t>(text.size()) <= max_bytes) return std::string(text);
  size_t cut = max_bytes - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(text.substr(0, cut), "...");
}

}  // namespace hpo

#endif  // HPO_COMMON_BOUNDED_TEXT_H_
