#include "common/objective.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/spec_error.h"

namespace hpo {
namespace {

constexpr size_t kMaxMetricBytes = 64;

std::string DirectionName(v1::Direction direction) {
  return direction == v1::MAXIMIZE ? "maximize" : "minimize";
}

bool IsClassification(const v1::TaskSpec& task) {
  return task.dataset().name() != "synthetic-regression" &&
         task.dataset().problem() != "regression";
}

}  // namespace

const EngineMetric* FindEngineMetric(std::string_view name) {
  for (const EngineMetric& metric : kEngineMetrics) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

std::string ObjectiveMetric(const v1::StudySpec& spec) {
  return spec.objective().metric().empty() ? std::string(kDefaultObjectiveMetric)
                                           : spec.objective().metric();
}

void ApplyObjectiveDefaults(v1::StudySpec* spec) {
  v1::ObjectiveSpec* objective = spec->mutable_objective();
  if (objective->metric().empty()) objective->set_metric(std::string(kDefaultObjectiveMetric));
  if (spec->direction() == v1::DIRECTION_UNSPECIFIED) {
    spec->set_direction(objective->direction() == v1::DIRECTION_UNSPECIFIED
                            ? v1::MINIMIZE
                            : objective->direction());
  }
  if (objective->direction() == v1::DIRECTION_UNSPECIFIED) {
    objective->set_direction(spec->direction());
  }
}

absl::Status ValidateObjective(const v1::StudySpec& spec) {
  const v1::ObjectiveSpec& objective = spec.objective();
  if (objective.direction() != v1::MINIMIZE && objective.direction() != v1::MAXIMIZE) {
    return SpecFieldError("objective.direction", "must be minimize or maximize");
  }
  if (objective.direction() != spec.direction()) {
    return SpecFieldError(
        "objective.direction",
        absl::StrCat(DirectionName(objective.direction()), " disagrees with direction: ",
                     DirectionName(spec.direction()), "; give one of them"));
  }
  const std::string& metric = objective.metric();
  if (metric.empty() || metric.size() > kMaxMetricBytes) {
    return SpecFieldError("objective.metric",
                          absl::StrCat("must be 1 to ", kMaxMetricBytes, " characters"));
  }
  if (!std::all_of(metric.begin(), metric.end(), IsMetricNameChar)) {
    return SpecFieldError("objective.metric",
                          "may only contain letters, digits, '.', '_', '-' and '/'");
  }
  if (!spec.has_task()) return absl::OkStatus();

  const EngineMetric* engine = FindEngineMetric(metric);
  if (engine == nullptr) {
    std::vector<std::string> names;
    for (const EngineMetric& m : kEngineMetrics) names.emplace_back(m.name);
    return SpecFieldError("objective.metric", absl::StrCat("the engine does not report \"", metric,
                                                           "\" (a task study optimises one of: ",
                                                           absl::StrJoin(names, ", "), ")"));
  }
  if (engine->classification_only && !IsClassification(spec.task())) {
    return SpecFieldError("objective.metric",
                          absl::StrCat(metric,
                                       " needs a classification task; this one is a "
                                       "regression (optimise val_loss)"));
  }
  if (objective.direction() != engine->better) {
    const bool is_loss = engine->better == v1::MINIMIZE;
    return SpecFieldError(
        "objective.direction",
        absl::StrCat(DirectionName(objective.direction()), " would pick the worst model: ", metric,
                     " is ",
                     is_loss ? "a loss (lower is better)" : "an accuracy (higher is better)",
                     is_loss && IsClassification(spec.task())
                         ? "; to maximise accuracy, set objective: {metric: val_accuracy, "
                           "direction: maximize}"
                         : absl::StrCat("; use direction: ", DirectionName(engine->better))));
  }
  return absl::OkStatus();
}

}  // namespace hpo
