// Strict reading of a YAML document into typed values, for the study spec
// parser. Every error is INVALID_ARGUMENT with `FILE:LINE: FIELD.PATH: message`.
// Nothing here throws: yaml-cpp is only asked for node types, marks and
// scalar text, which do not throw, and scalars are converted by our own code.
// Not thread-safe (it records field lines into a caller-owned map).
#ifndef HPO_COMMON_YAML_READER_H_
#define HPO_COMMON_YAML_READER_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "yaml-cpp/yaml.h"

namespace hpo {

// A value in the document and where it is: the spec field path (e.g.
// "params.lr.low", "task.model.hidden[1]") and its 1-based line.
struct YamlField {
  std::string key;  // the mapping key; empty for sequence elements and the root
  std::string path;
  int line = 0;
  YAML::Node value;
};

class YamlReader {
 public:
  // `lines` (not owned, must outlive the reader) receives path -> line for
  // every mapping entry and sequence element read.
  YamlReader(absl::string_view filename, absl::flat_hash_map<std::string, int>* lines)
      : filename_(filename), lines_(lines) {}

  // INVALID_ARGUMENT `FILE:LINE: PATH: message` (the path part is left out
  // when empty, the line part when `line` <= 0).
  absl::Status Error(int line, absl::string_view path, absl::string_view message) const;
  absl::Status Error(const YamlField& field, absl::string_view message) const {
    return Error(field.line, field.path, message);
  }

  // The entries of a mapping in file order, with paths `field.path + "." + key`.
  // Fails if `field` is not a mapping, a key is not a plain scalar, a key is
  // repeated, or (when `allowed` is non-empty) a key is not in `allowed`.
  absl::StatusOr<std::vector<YamlField>> Mapping(const YamlField& field,
                                                 std::initializer_list<absl::string_view> allowed);

  // Fails with `unknown field (expected one of: ...)` unless `entry.key` is
  // in `allowed`.
  absl::Status CheckKnownField(const YamlField& entry,
                               std::initializer_list<absl::string_view> allowed) const;

  // The elements of a sequence, with paths `field.path + "[i]"`.
  absl::StatusOr<std::vector<YamlField>> Sequence(const YamlField& field);

  absl::StatusOr<std::string> String(const YamlField& field) const;
  absl::StatusOr<double> Double(const YamlField& field) const;
  absl::StatusOr<int64_t> Int64(const YamlField& field) const;
  absl::StatusOr<int32_t> Int32(const YamlField& field) const;
  absl::StatusOr<uint64_t> Uint64(const YamlField& field) const;
  absl::StatusOr<bool> Bool(const YamlField& field) const;

 private:
  // The scalar text of a field expected to hold a `what`, or an error.
  absl::StatusOr<std::string> ScalarText(const YamlField& field, absl::string_view what,
                                         bool allow_quoted) const;

  std::string filename_;
  absl::flat_hash_map<std::string, int>* lines_;
};

}  // namespace hpo

#endif  // HPO_COMMON_YAML_READER_H_
