// The metrics a program tuned by `hpo agent` reports on its stdout, one line
// at a time, in Katib's stdout format: `NAME=NUMBER` pairs separated by
// spaces or commas, e.g. `step=3 loss=0.25 accuracy=0.91`. A line holding
// anything else is ordinary output and reports nothing.
#ifndef HPO_CLIENT_METRIC_LINES_H_
#define HPO_CLIENT_METRIC_LINES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpo::client {

struct MetricLine {
  std::optional<int64_t> step;                         // a `step=N` pair (N >= 0)
  std::vector<std::pair<std::string, double>> values;  // the other pairs, in order
};

// The pairs of a metrics line, or nullopt for any other line. Names are
// metric names (IsMetricNameChar in common/objective.h); numbers are decimal, with nan and
// inf as numbers (a diverged run's report).
std::optional<MetricLine> ParseMetricLine(std::string_view line);

// One trial's metrics as its program prints them.
class TrialMetrics {
 public:
  // An intermediate value of the objective to report.
  struct Report {
    int64_t step;
    double value;
  };

  explicit TrialMetrics(std::string objective) : objective_(std::move(objective)) {}

  // Reads one line of output. When it reports the objective, returns the
  // report: at the line's step, or else at the count of the objective's
  // earlier reports (0, 1, 2, ...).
  std::optional<Report> Add(std::string_view line);

  // The objective's last value, if any was reported.
  std::optional<double> objective() const { return objective_value_; }
  // Every metric's last value, the objective's included.
  const std::map<std::string, double>& last() const { return last_; }

 private:
  const std::string objective_;
  std::optional<double> objective_value_;
  int64_t objective_reports_ = 0;
  std::map<std::string, double> last_;
};

}  // namespace hpo::client

#endif  // HPO_CLIENT_METRIC_LINES_H_
