// A study's objective: which metric is a trial's value and which way is
// better. For task studies the metric is one the engine reports per epoch
// (the table below, each with the direction that makes sense for it); for
// other studies (ask/tell, agents) any name the evaluator reports.
#ifndef HPO_COMMON_OBJECTIVE_H_
#define HPO_COMMON_OBJECTIVE_H_

#include <array>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "hpo/v1/study.pb.h"

namespace hpo {

inline constexpr std::string_view kDefaultObjectiveMetric = "val_loss";

struct EngineMetric {
  std::string_view name;
  v1::Direction better;      // the only direction a study may optimise it in
  bool classification_only;  // a regression task has no such metric
  std::string_view help;
};

inline constexpr std::array<EngineMetric, 3> kEngineMetrics = {{
    {"val_loss", v1::MINIMIZE, false, "mean loss over the validation set after each epoch"},
    {"val_accuracy", v1::MAXIMIZE, true,
     "fraction of the validation set classified correctly after each epoch"},
    {"train_loss", v1::MINIMIZE, false, "mean training loss over each epoch"},
}};

// Whether `c` may be part of a metric name: letters, digits, '.', '_', '-'
// and '/' (W&B's `val/loss`).
constexpr bool IsMetricNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '/';
}

// The engine metric called `name`, or nullptr.
const EngineMetric* FindEngineMetric(std::string_view name);

// The metric `spec` optimises (its objective's, or the default for a spec
// stored before objectives existed).
std::string ObjectiveMetric(const v1::StudySpec& spec);

// Makes the objective's direction and the top-level direction one: an unset
// one takes the other's (MINIMIZE when neither is set), and an unset metric
// is val_loss. Two set directions that disagree are left for
// ValidateObjective to refuse. Idempotent.
void ApplyObjectiveDefaults(v1::StudySpec* spec);

// INVALID_ARGUMENT naming the field: directions that disagree; a metric that
// is not a plain name; for a task study, a metric the engine does not report,
// one optimised the wrong way (maximising a loss), or an accuracy of a
// regression task.
absl::Status ValidateObjective(const v1::StudySpec& spec);

}  // namespace hpo

#endif  // HPO_COMMON_OBJECTIVE_H_
