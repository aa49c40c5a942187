#include "server/http/metrics_text.h"

#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hpo::server {
namespace {

// A label value with \, " and newline escaped as the format requires.
std::string LabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// The shortest of 15 or 17 significant digits that reads back as `value`.
std::string Number(double value) {
  std::string text = absl::StrFormat("%.15g", value);
  if (std::strtod(text.c_str(), nullptr) != value) text = absl::StrFormat("%.17g", value);
  return text;
}

void Header(std::string& out, absl::string_view name, absl::string_view type,
            absl::string_view help) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void AppendHistogram(std::string& out, absl::string_view name, absl::string_view help,
                     const Histogram& histogram) {
  Header(out, name, "histogram", help);
  for (size_t i = 0; i <= Histogram::kBounds.size(); ++i) {
    const std::string le = i < Histogram::kBounds.size() ? Number(Histogram::kBounds[i]) : "+Inf";
    absl::StrAppend(&out, name, "_bucket{le=\"", le, "\"} ", histogram.cumulative_count(i), "\n");
  }
  absl::StrAppend(&out, name, "_sum ", Number(histogram.sum()), "\n", name, "_count ",
                  histogram.count(), "\n");
}

}  // namespace

std::string RenderMetrics(const std::vector<v1::Study>& studies,
                          const CoordinatorMetrics& metrics) {
  std::string out;
  // Every state of every study, zeros included, so that rates and sums over
  // states need no missing-series handling.
  Header(out, "hpo_trials", "gauge", "Trials by study and state.");
  for (const v1::Study& study : studies) {
    const std::string name = LabelValue(study.spec().name());
    for (int s = v1::Trial::State_MIN; s <= v1::Trial::State_MAX; ++s) {
      if (!v1::Trial::State_IsValid(s) || s == v1::Trial::STATE_UNSPECIFIED) continue;
      const std::string& state = v1::Trial::State_Name(static_cast<v1::Trial::State>(s));
      auto it = study.trial_counts().find(state);
      absl::StrAppend(&out, "hpo_trials{study=\"", name, "\",state=\"", state, "\"} ",
                      it == study.trial_counts().end() ? 0 : it->second, "\n");
    }
  }
  Header(out, "hpo_studies", "gauge", "Studies by state.");
  std::map<int, int64_t> by_state;
  for (const v1::Study& study : studies) ++by_state[study.state()];
  for (int s = v1::Study::State_MIN; s <= v1::Study::State_MAX; ++s) {
    if (!v1::Study::State_IsValid(s) || s == v1::Study::STATE_UNSPECIFIED) continue;
    absl::StrAppend(&out, "hpo_studies{state=\"",
                    v1::Study::State_Name(static_cast<v1::Study::State>(s)), "\"} ", by_state[s],
                    "\n");
  }
  Header(out, "hpo_study_best_value", "gauge",
         "The objective value of each study's best COMPLETE trial.");
  for (const v1::Study& study : studies) {
    if (!study.has_best_trial()) continue;
    absl::StrAppend(&out, "hpo_study_best_value{study=\"", LabelValue(study.spec().name()), "\"} ",
                    Number(study.best_trial().value()), "\n");
  }
  Header(out, "hpo_asks_total", "counter", "Ask calls.");
  absl::StrAppend(&out, "hpo_asks_total ", metrics.asks.value(), "\n");
  Header(out, "hpo_acquires_total", "counter",
         "AcquireTrial calls, by whether a trial was handed out.");
  absl::StrAppend(&out, "hpo_acquires_total{result=\"trial\"} ",
                  metrics.acquires_with_trial.value(), "\n", "hpo_acquires_total{result=\"none\"} ",
                  metrics.acquires_without_trial.value(), "\n");
  Header(out, "hpo_lease_expiries_total", "counter", "Trials failed because their lease expired.");
  absl::StrAppend(&out, "hpo_lease_expiries_total ", metrics.lease_expiries.value(), "\n");
  AppendHistogram(out, "hpo_commit_duration_seconds", "Seconds per group commit to the database.",
                  metrics.commit_seconds);
  AppendHistogram(out, "hpo_sampler_duration_seconds", "Seconds per sampler suggestion.",
                  metrics.sample_seconds);
  return out;
}

}  // namespace hpo::server
