// What `hpo agent` does with its child's output as it arrives in chunks: cut
// it into lines (for the metrics on stdout), and keep the end of stderr (for
// the message of a failed trial).
#ifndef HPO_CLIENT_CHILD_OUTPUT_H_
#define HPO_CLIENT_CHILD_OUTPUT_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace hpo::client {

class LineSplitter {
 public:
  using OnLine = std::function<void(std::string_view line)>;

  // Calls `on_line` for each line that `chunk` ends, without its '\n' (or
  // '\r', as progress bars end theirs). A line longer than 64 KiB is passed
  // on in pieces.
  void Add(std::string_view chunk, const OnLine& on_line);
  // At end of output: the last line, if it had no end.
  void Finish(const OnLine& on_line);

 private:
  std::string pending_;
};

class OutputTail {
 public:
  explicit OutputTail(size_t max_bytes) : max_bytes_(max_bytes) {}

  void Add(std::string_view chunk);
  // The last whole lines that fit in max_bytes (the last bytes when one line
  // is longer), as valid UTF-8: a byte that is not becomes U+FFFD.
  std::string Text() const;

 private:
  const size_t max_bytes_;
  std::string kept_;  // at most 2 * max_bytes_ of the end
};

}  // namespace hpo::client

#endif  // HPO_CLIENT_CHILD_OUTPUT_H_
