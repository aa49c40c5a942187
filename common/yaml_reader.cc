#include "common/yaml_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace hpo {
namespace {

// 1-based line of a node, 0 when yaml-cpp has none.
int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

absl::string_view Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
  }
  return "something else";
}

// yaml-cpp marks quoted scalars with the non-specific tag "!": by YAML's
// rules they are strings, never numbers or booleans.
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

// YAML's spellings of the special floats, which absl does not read.
bool ParseYamlSpecialFloat(absl::string_view text, double* out) {
  std::string lower = absl::AsciiStrToLower(text);
  if (lower == ".inf" || lower == "+.inf") {
    *out = std::numeric_limits<double>::infinity();
  } else if (lower == "-.inf") {
    *out = -std::numeric_limits<double>::infinity();
  } else if (lower == ".nan") {
    *out = std::numeric_limits<double>::quiet_NaN();
  } else {
    return false;
  }
  return true;
}

}  // namespace

absl::Status YamlReader::Error(int line, absl::string_view path, absl::string_view message) const {
  std::string where =
      line > 0 ? absl::StrCat(filename_, ":", line, ": ") : absl::StrCat(filename_, ": ");
  if (!path.empty()) absl::StrAppend(&where, path, ": ");
  return absl::InvalidArgumentError(absl::StrCat(where, message));
}

absl::StatusOr<std::vector<YamlField>> YamlReader::Mapping(
    const YamlField& field, std::initializer_list<absl::string_view> allowed) {
  if (!field.value.IsMap()) {
    return Error(field, absl::StrCat("expected a mapping, got ", Describe(field.value)));
  }
  std::vector<YamlField> entries;
  absl::flat_hash_map<std::string, int> first_line;
  const std::string prefix = field.path.empty() ? "" : field.path + ".";
  for (auto it = field.value.begin(); it != field.value.end(); ++it) {
    // A copy (a Node is a handle): the iterator's operator-> returns a
    // temporary proxy, so a reference to it->first would dangle.
    const YAML::Node key = it->first;
    const int line = LineOf(key) > 0 ? LineOf(key) : field.line;
    if (!key.IsScalar()) {
      return Error(line, field.path,
                   absl::StrCat("expected a field name, got ", Describe(key), " as a key"));
    }
    const std::string& name = key.Scalar();
    YamlField entry{name, prefix + name, line, it->second};
    // yaml-cpp keeps every entry of a repeated key; a later one would
    // otherwise silently lose to the first.
    auto [seen, inserted] = first_line.emplace(name, line);
    if (!inserted) {
      return Error(entry, absl::StrCat("duplicate key (first at line ", seen->second, ")"));
    }
    if (allowed.size() > 0) RETURN_IF_ERROR(CheckKnownField(entry, allowed));
    (*lines_)[entry.path] = entry.line;
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::Status YamlReader::CheckKnownField(const YamlField& entry,
                                         std::initializer_list<absl::string_view> allowed) const {
  if (std::find(allowed.begin(), allowed.end(), entry.key) != allowed.end()) {
    return absl::OkStatus();
  }
  return Error(entry,
               absl::StrCat("unknown field (expected one of: ", absl::StrJoin(allowed, ", "), ")"));
}

absl::StatusOr<std::vector<YamlField>> YamlReader::Sequence(const YamlField& field) {
  if (!field.value.IsSequence()) {
    return Error(field, absl::StrCat("expected a list, got ", Describe(field.value)));
  }
  std::vector<YamlField> elements;
  for (size_t i = 0; i < field.value.size(); ++i) {
    YAML::Node element = field.value[i];
    const int line = LineOf(element) > 0 ? LineOf(element) : field.line;
    YamlField entry{"", absl::StrCat(field.path, "[", i, "]"), line, element};
    (*lines_)[entry.path] = entry.line;
    elements.push_back(std::move(entry));
  }
  return elements;
}

absl::StatusOr<std::string> YamlReader::ScalarText(const YamlField& field, absl::string_view what,
                                                   bool allow_quoted) const {
  if (!field.value.IsScalar()) {
    return Error(field, absl::StrCat("expected ", what, ", got ", Describe(field.value)));
  }
  if (!allow_quoted && IsQuoted(field.value)) {
    return Error(field, absl::StrCat("expected ", what, ", got the quoted string \"",
                                     field.value.Scalar(), "\""));
  }
  return field.value.Scalar();
}

absl::StatusOr<std::string> YamlReader::String(const YamlField& field) const {
  return ScalarText(field, "a string", /*allow_quoted=*/true);
}

absl::StatusOr<double> YamlReader::Double(const YamlField& field) const {
  absl::StatusOr<std::string> text = ScalarText(field, "a number", /*allow_quoted=*/false);
  if (!text.ok()) return text.status();
  double value = 0;
  if (ParseYamlSpecialFloat(*text, &value) || absl::SimpleAtod(*text, &value)) return value;
  return Error(field, absl::StrCat("expected a number, got \"", *text, "\""));
}

absl::StatusOr<int64_t> YamlReader::Int64(const YamlField& field) const {
  absl::StatusOr<std::string> text = ScalarText(field, "an integer", /*allow_quoted=*/false);
  if (!text.ok()) return text.status();
  int64_t value = 0;
  if (absl::SimpleAtoi(*text, &value)) return value;
  double as_double = 0;
  if (absl::SimpleAtod(*text, &as_double) && std::isfinite(as_double) &&
      as_double == std::floor(as_double) && std::fabs(as_double) >= 9.2e18) {
    return Error(field, absl::StrCat("out of range for a 64-bit integer (got ", *text, ")"));
  }
  return Error(field, absl::StrCat("expected an integer, got \"", *text, "\""));
}

absl::StatusOr<int32_t> YamlReader::Int32(const YamlField& field) const {
  absl::StatusOr<int64_t> value = Int64(field);
  if (!value.ok()) return value.status();
  if (*value < std::numeric_limits<int32_t>::min() ||
      *value > std::numeric_limits<int32_t>::max()) {
    return Error(field, absl::StrCat("out of range for a 32-bit integer (got ", *value, ")"));
  }
  return static_cast<int32_t>(*value);
}

absl::StatusOr<uint64_t> YamlReader::Uint64(const YamlField& field) const {
  absl::StatusOr<std::string> text =
      ScalarText(field, "a non-negative integer", /*allow_quoted=*/false);
  if (!text.ok()) return text.status();
  uint64_t value = 0;
  if (!absl::StrContains(*text, '-') && absl::SimpleAtoi(*text, &value)) return value;
  return Error(field, absl::StrCat("expected a non-negative integer, got \"", *text, "\""));
}

absl::StatusOr<bool> YamlReader::Bool(const YamlField& field) const {
  absl::StatusOr<std::string> text = ScalarText(field, "true or false", /*allow_quoted=*/false);
  if (!text.ok()) return text.status();
  const std::string lower = absl::AsciiStrToLower(*text);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return Error(field, absl::StrCat("expected true or false, got \"", *text, "\""));
}

}  // namespace hpo
