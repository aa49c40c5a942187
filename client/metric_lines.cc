#include "client/metric_lines.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/objective.h"

namespace hpo::client {
namespace {

bool IsSeparator(char c) { return c == ' ' || c == '\t' || c == ',' || c == '\r'; }

std::optional<double> ParseValue(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string lower;
  for (char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (lower == "nan" || lower == "+nan" || lower == "-nan") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (lower == "inf" || lower == "+inf") return std::numeric_limits<double>::infinity();
  if (lower == "-inf") return -std::numeric_limits<double>::infinity();
  for (char c : lower) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == '+' || c == '-')) {
      return std::nullopt;
    }
  }
  char* end = nullptr;
  const double value = std::strtod(lower.c_str(), &end);
  if (end != lower.c_str() + lower.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<MetricLine> ParseMetricLine(std::string_view line) {
  MetricLine parsed;
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsSeparator(line[i])) ++i;
    if (i == line.size()) break;
    const size_t name_start = i;
    while (i < line.size() && IsMetricNameChar(line[i])) ++i;
    if (i == name_start || i == line.size() || line[i] != '=') return std::nullopt;
    const std::string_view name = line.substr(name_start, i - name_start);
    const size_t value_start = ++i;
    while (i < line.size() && !IsSeparator(line[i])) ++i;
    const std::optional<double> value = ParseValue(line.substr(value_start, i - value_start));
    if (!value.has_value()) return std::nullopt;
    if (name == "step") {
      if (!(*value >= 0 && *value <= 9.0e15) || *value != std::floor(*value)) return std::nullopt;
      parsed.step = static_cast<int64_t>(*value);
    } else {
      parsed.values.emplace_back(std::string(name), *value);
    }
  }
  if (parsed.values.empty()) return std::nullopt;
  return parsed;
}

std::optional<TrialMetrics::Report> TrialMetrics::Add(std::string_view line) {
  std::optional<MetricLine> parsed = ParseMetricLine(line);
  if (!parsed.has_value()) return std::nullopt;
  std::optional<Report> report;
  for (const auto& [name, value] : parsed->values) {
    last_[name] = value;
    if (name != objective_) continue;
    objective_value_ = value;
    report = Report{parsed->step.value_or(objective_reports_), value};
    ++objective_reports_;
  }
  return report;
}

}  // namespace hpo::client
