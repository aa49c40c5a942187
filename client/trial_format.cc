#include "client/trial_format.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/objective.h"
#include "common/search_space.h"

namespace hpo::client {
namespace {

using Json = nlohmann::ordered_json;

std::string FormatNumber(double value) { return absl::StrFormat("%.6g", value); }

// Param names in the spec's order, then any the spec does not list.
std::vector<std::string> ParamNames(const v1::StudySpec& spec,
                                    const std::vector<v1::Trial>& trials) {
  std::vector<std::string> names;
  for (const v1::ParamSpec& param : spec.params()) names.push_back(param.name());
  for (const v1::Trial& trial : trials) {
    for (const auto& [name, value] : trial.params()) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

std::vector<std::string> AttrNames(const std::vector<v1::Trial>& trials) {
  std::vector<std::string> names;
  for (const v1::Trial& trial : trials) {
    for (const auto& [name, value] : trial.user_attrs()) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a
// formula: such text is neutralised with a leading ', as OWASP advises.
// Numbers (-0.5, +1e3) are left as they are.
std::string CsvField(const std::string& text) {
  std::string field = text;
  double number = 0;
  if (!field.empty() && std::string_view("=+-@\t\r").find(field[0]) != std::string_view::npos &&
      !absl::SimpleAtod(field, &number)) {
    field.insert(0, "'");
  }
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// Cells are shown with EscapeControl: a stored string cannot move the cursor,
// clear the screen or forge a line of the table.
void PrintTable(std::vector<std::vector<std::string>> rows, std::ostream& out) {
  for (auto& row : rows) {
    for (std::string& cell : row) cell = EscapeControl(cell);
  }
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : absl::StrFormat("%-*s  ", widths[i], row[i]);
    }
    out << absl::StripTrailingAsciiWhitespace(line) << "\n";
  }
}

// The columns of a trials table, or (csv) of a trials file, which also has
// when each trial ran, where, and what it retried.
std::vector<std::string> TrialHeader(const std::vector<std::string>& params,
                                     const std::vector<std::string>& attrs, bool csv) {
  std::vector<std::string> header = {"number", "state", "value"};
  header.insert(header.end(), params.begin(), params.end());
  header.insert(header.end(), attrs.begin(), attrs.end());
  header.push_back("duration_s");
  if (csv) {
    header.insert(header.end(), {"datetime_start", "datetime_complete", "worker_id"});
  }
  header.push_back("retry_of");
  header.push_back("fail_reason");
  return header;
}

// One row under TrialHeader(params, attrs, csv); a table marks the best trial.
std::vector<std::string> TrialRow(const v1::Trial& trial, const std::vector<std::string>& params,
                                  const std::vector<std::string>& attrs, bool csv, bool best) {
  auto number = [&](double v) { return csv ? absl::StrCat(v) : FormatNumber(v); };
  std::string state = v1::Trial::State_Name(trial.state());
  if (best && !csv) state += " (best)";
  std::vector<std::string> row = {absl::StrCat(trial.number()), std::move(state),
                                  trial.has_value() ? number(trial.value()) : ""};
  for (const std::string& name : params) {
    auto it = trial.params().find(name);
    if (it == trial.params().end()) {
      row.push_back("");
    } else if (it->second.has_float_value() && !csv) {
      row.push_back(FormatNumber(it->second.float_value()));
    } else {
      row.push_back(FormatParamValue(it->second));
    }
  }
  for (const std::string& name : attrs) {
    auto it = trial.user_attrs().find(name);
    row.push_back(it == trial.user_attrs().end() ? "" : number(it->second));
  }
  row.push_back(trial.complete_time_ms() > 0
                    ? absl::StrFormat("%.1f",
                                      (trial.complete_time_ms() - trial.start_time_ms()) / 1e3)
                    : "");
  if (csv) {
    row.push_back(trial.start_time_ms() > 0 ? IsoTime(trial.start_time_ms()) : "");
    row.push_back(trial.complete_time_ms() > 0 ? IsoTime(trial.complete_time_ms()) : "");
    row.push_back(trial.worker_id());
  }
  row.push_back(trial.has_retry_of() ? absl::StrCat(trial.retry_of()) : "");
  row.push_back(trial.fail_reason());
  return row;
}

void PrintCsvRow(const std::vector<std::string>& row, std::ostream& out) {
  std::vector<std::string> fields;
  for (const std::string& field : row) fields.push_back(CsvField(field));
  out << absl::StrJoin(fields, ",") << "\n";
}

}  // namespace

std::string EscapeControl(absl::string_view text, bool keep_newlines) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u >= 0x20 && u != 0x7f) || (keep_newlines && c == '\n')) {
      escaped += c;
    } else if (c == '\n') {
      escaped += "\\n";
    } else if (c == '\t') {
      escaped += "\\t";
    } else if (c == '\r') {
      escaped += "\\r";
    } else {
      absl::StrAppend(&escaped, "\\x", absl::Hex(u, absl::kZeroPad2));
    }
  }
  return escaped;
}

absl::StatusOr<Format> ParseFormat(const std::string& text) {
  if (text == "table") return Format::kTable;
  if (text == "json") return Format::kJson;
  if (text == "csv") return Format::kCsv;
  return absl::InvalidArgumentError(
      absl::StrCat("--format: unknown format \"", text, "\" (expected table, json or csv)"));
}

TrialPrinter::TrialPrinter(const v1::StudySpec& spec, std::vector<std::string> attrs, Format format,
                           std::ostream& out, std::optional<int64_t> best)
    : spec_(spec), format_(format), out_(out), attrs_(std::move(attrs)), best_(best) {
  for (const v1::ParamSpec& param : spec.params()) params_.push_back(param.name());
  switch (format_) {
    case Format::kJson: out_ << "["; break;
    case Format::kCsv:
      PrintCsvRow(TrialHeader(params_, attrs_, /*csv=*/true), out_);
      break;
    case Format::kTable:
      table_.push_back(TrialHeader(params_, attrs_, /*csv=*/false));
      break;
  }
}

void TrialPrinter::Add(const v1::Trial& trial) {
  switch (format_) {
    case Format::kJson: {
      // Indented as nlohmann's dump(2) indents an array.
      std::string element = TrialToJson(trial, spec_).dump(2);
      absl::StrReplaceAll({{"\n", "\n  "}}, &element);
      out_ << (count_ == 0 ? "\n  " : ",\n  ") << element;
      break;
    }
    case Format::kCsv:
      PrintCsvRow(TrialRow(trial, params_, attrs_, /*csv=*/true, false), out_);
      break;
    case Format::kTable:
      table_.push_back(TrialRow(trial, params_, attrs_, /*csv=*/false, best_ == trial.number()));
      break;
  }
  ++count_;
}

void TrialPrinter::Finish() {
  switch (format_) {
    case Format::kJson: out_ << (count_ == 0 ? "]\n" : "\n]\n"); break;
    case Format::kCsv: break;
    case Format::kTable: PrintTable(table_, out_); break;
  }
  out_.flush();
}

void PrintTrials(const std::vector<v1::Trial>& trials, const v1::StudySpec& spec, Format format,
                 std::ostream& out) {
  TrialPrinter printer(spec, AttrNames(trials), format, out);
  for (const v1::Trial& trial : trials) printer.Add(trial);
  printer.Finish();
}

int64_t TrialCount(const v1::Study& study) {
  int64_t total = 0;
  for (const auto& [state, count] : study.trial_counts()) total += count;
  return total;
}

void PrintStudies(const std::vector<v1::Study>& studies, Format format, std::ostream& out) {
  if (format == Format::kJson) {
    Json array = Json::array();
    for (const v1::Study& study : studies) array.push_back(StudyToJson(study));
    out << array.dump(2) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"name", "state", "objective", "sampler", "trials",
                                                 "running", "waiting", "complete", "pruned",
                                                 "failed", "best_value"}};
  for (const v1::Study& study : studies) {
    const int64_t total = TrialCount(study);
    auto count = [&](const std::string& state) {
      auto it = study.trial_counts().find(state);
      return absl::StrCat(it == study.trial_counts().end() ? 0 : it->second);
    };
    rows.push_back(
        {study.spec().name(), v1::Study::State_Name(study.state()),
         absl::StrCat(study.spec().direction() == v1::MAXIMIZE ? "max " : "min ",
                      ObjectiveMetric(study.spec())),
         study.spec().sampler().type(),
         study.spec().max_trials() > 0 ? absl::StrCat(total, "/", study.spec().max_trials())
                                       : absl::StrCat(total),
         count("RUNNING"), count("WAITING"), count("COMPLETE"), count("PRUNED"), count("FAILED"),
         study.has_best_trial() ? FormatNumber(study.best_trial().value()) : ""});
  }
  if (format == Format::kCsv) {
    for (const auto& row : rows) PrintCsvRow(row, out);
  } else {
    PrintTable(rows, out);
    for (const v1::Study& study : studies) {
      if (study.state_reason().empty()) continue;
      out << EscapeControl(study.spec().name()) << " is " << v1::Study::State_Name(study.state())
          << ": " << EscapeControl(study.state_reason()) << "\n";
    }
  }
}

void PrintTrial(const v1::Trial& trial, const v1::StudySpec& spec, Format format,
                std::ostream& out) {
  if (format == Format::kJson) {
    out << TrialToJson(trial, spec).dump(2) << "\n";
    return;
  }
  if (format == Format::kCsv) {
    PrintTrials({trial}, spec, format, out);
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"number:", absl::StrCat(trial.number())},
      {"state:", v1::Trial::State_Name(trial.state())},
      {absl::StrCat("value (", ObjectiveMetric(spec), "):"),
       trial.has_value() ? absl::StrCat(trial.value()) : "-"},
      {"params:", ""}};
  for (const std::string& name : ParamNames(spec, {trial})) {
    auto it = trial.params().find(name);
    if (it != trial.params().end()) {
      rows.push_back({absl::StrCat("  ", name, ":"), FormatParamValue(it->second)});
    }
  }
  for (const std::string& name : AttrNames({trial})) {
    rows.push_back({absl::StrCat(name, ":"), absl::StrCat(trial.user_attrs().at(name))});
  }
  if (!trial.fail_reason().empty()) rows.push_back({"fail_reason:", trial.fail_reason()});
  PrintTable(rows, out);
}

}  // namespace hpo::client
