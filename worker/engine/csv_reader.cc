#include "worker/engine/csv_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <system_error>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "worker/engine/data_file.h"

namespace hpo::engine {
namespace {

std::vector<std::string> SplitFields(const std::string& line) {
  std::vector<std::string> fields = absl::StrSplit(line, ',');
  for (std::string& field : fields) absl::StripAsciiWhitespace(&field);
  return fields;
}

bool IsBlank(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return absl::ascii_isspace(c); });
}

absl::Status LineError(const CsvOptions& options, int64_t line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(options.path, ":", line, ": ", message));
}

// The label column's index among `columns` fields.
absl::StatusOr<int> LabelIndex(const CsvOptions& options, const std::vector<std::string>& header,
                               int columns, int64_t line) {
  if (options.label_column.empty()) return columns - 1;
  for (int i = 0; i < static_cast<int>(header.size()); ++i) {
    if (header[i] == options.label_column) return i;
  }
  int index = 0;
  if (absl::SimpleAtoi(options.label_column, &index)) {
    if (index < 0) index += columns;
    if (index >= 0 && index < columns) return index;
    return LineError(options, line,
                     absl::StrCat("label column ", options.label_column, " is out of range (",
                                  columns, " columns)"));
  }
  return LineError(options, line,
                   absl::StrCat("no column named \"", options.label_column, "\" in the header"));
}

// A feature or regression label: a finite float. "nan", "inf" and numbers
// beyond float's range (1e39) are refused here, where the file and line are
// known, rather than surfacing as a non-finite loss in training.
// Messages never quote the cell: they leave the worker, and the file may hold
// what its owner would not show (see csv_reader.h).
absl::StatusOr<float> ParseCell(const std::string& text) {
  float value = 0;
  if (!absl::SimpleAtof(text, &value)) return absl::InvalidArgumentError("not a number");
  if (!std::isfinite(value)) return absl::InvalidArgumentError("not a finite number");
  return value;
}

struct Row {
  int64_t line;
  std::string label;
};

}  // namespace

absl::StatusOr<Dataset> ReadCsvDataset(const CsvOptions& options,
                                       std::vector<std::string>* class_names) {
  if (absl::Status status = CheckDataFile(options.path, options.max_bytes); !status.ok()) {
    return status;
  }
  std::ifstream in(options.path);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(options.path, ": no such file"));
    return absl::InvalidArgumentError(
        absl::StrCat(options.path, ": cannot open: ", std::generic_category().message(errno)));
  }
  std::vector<float> features;  // row-major: one example after another
  std::vector<Row> rows;
  std::vector<std::string> header;
  int columns = 0;
  int label = -1;
  std::string text;
  for (int64_t line = 1; std::getline(in, text); ++line) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (IsBlank(text)) continue;
    std::vector<std::string> fields = SplitFields(text);
    const int count = static_cast<int>(fields.size());
    if (columns == 0) {
      if (count < 2) {
        return LineError(
            options, line,
            absl::StrCat("has ", count, " column; a dataset needs features and a label column"));
      }
      columns = count;
      if (options.header) header = fields;
      auto index = LabelIndex(options, header, columns, line);
      if (!index.ok()) return index.status();
      label = *index;
      if (options.header) continue;
    }
    if (count != columns) {
      return LineError(options, line,
                       absl::StrCat("has ", count, " columns; expected ", columns,
                                    options.header ? " (as the header)" : " (as the first line)"));
    }
    for (int c = 0; c < columns; ++c) {
      if (c == label) continue;
      absl::StatusOr<float> value = ParseCell(fields[c]);
      if (!value.ok()) {
        return LineError(options, line,
                         absl::StrCat("column ", c + 1, ": ", value.status().message()));
      }
      features.push_back(*value);
    }
    rows.push_back({line, std::move(fields[label])});
  }
  if (rows.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(options.path, ": no examples"));
  }
  const int64_t n = static_cast<int64_t>(rows.size());
  Dataset data;
  data.features =
      Eigen::Map<const Eigen::MatrixXf>(features.data(), columns - 1, static_cast<Eigen::Index>(n));
  if (!options.classification) {
    data.targets.resize(1, n);
    for (int64_t j = 0; j < n; ++j) {
      absl::StatusOr<float> target = ParseCell(rows[j].label);
      if (!target.ok()) {
        return LineError(options, rows[j].line, absl::StrCat("label: ", target.status().message()));
      }
      data.targets(0, j) = *target;
    }
    return data;
  }
  if (class_names->empty()) {
    bool all_integers = true;
    std::map<std::string, int64_t> distinct;
    for (const Row& row : rows) {
      int64_t value = 0;
      all_integers = all_integers && absl::SimpleAtoi(row.label, &value);
      distinct.emplace(row.label, value);
    }
    for (const auto& [name, value] : distinct) class_names->push_back(name);
    if (all_integers) {
      std::stable_sort(class_names->begin(), class_names->end(),
                       [&distinct](const std::string& a, const std::string& b) {
                         return distinct[a] < distinct[b];
                       });
    }
    if (class_names->size() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.path, ": every example has the same label; classification needs two classes"));
    }
  }
  std::map<std::string, int32_t> index;
  for (size_t k = 0; k < class_names->size(); ++k)
    index[(*class_names)[k]] = static_cast<int32_t>(k);
  data.num_classes = static_cast<int>(class_names->size());
  data.labels.resize(n);
  for (int64_t j = 0; j < n; ++j) {
    auto it = index.find(rows[j].label);
    if (it == index.end()) {
      return LineError(options, rows[j].line,
                       "the label is not one of the training file's classes");
    }
    data.labels[j] = it->second;
  }
  return data;
}

}  // namespace hpo::engine
