#include "client/child_output.h"

#include <cstdint>

namespace hpo::client {
namespace {

constexpr size_t kMaxLineBytes = 64 * 1024;

// The length of the valid UTF-8 sequence at the start of `text`, or 0.
size_t Utf8SequenceLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(0);
  size_t length;
  uint32_t code;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are invalid.
  constexpr uint32_t kMinCode[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kMinCode[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return 0;
  return length;
}

std::string ToValidUtf8(std::string_view text) {
  std::string valid;
  valid.reserve(text.size());
  while (!text.empty()) {
    const size_t length = Utf8SequenceLength(text);
    if (length == 0) {
      valid += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      text.remove_prefix(1);
    } else {
      valid.append(text.substr(0, length));
      text.remove_prefix(length);
    }
  }
  return valid;
}

}  // namespace

void LineSplitter::Add(std::string_view chunk, const OnLine& on_line) {
  for (char c : chunk) {
    if (c == '\n' || c == '\r') {
      on_line(pending_);
      pending_.clear();
      continue;
    }
    pending_ += c;
    if (pending_.size() == kMaxLineBytes) {
      on_line(pending_);
      pending_.clear();
    }
  }
}

void LineSplitter::Finish(const OnLine& on_line) {
  if (!pending_.empty()) on_line(pending_);
  pending_.clear();
}

void OutputTail::Add(std::string_view chunk) {
  kept_.append(chunk);
  if (kept_.size() > 2 * max_bytes_) kept_.erase(0, kept_.size() - max_bytes_);
}

std::string OutputTail::Text() const {
  std::string_view text(kept_);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  if (text.size() > max_bytes_) {
    text.remove_prefix(text.size() - max_bytes_);
    // Start at a line when one ends in what is kept.
    const size_t newline = text.find('\n');
    if (newline != std::string_view::npos && newline + 1 < text.size()) {
      text.remove_prefix(newline + 1);
    }
  }
  return ToValidUtf8(text);
}

}  // namespace hpo::client
