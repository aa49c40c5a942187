// Turns a study's task and one trial's parameters into what the engine runs:
// a searched parameter overrides the task's fixed setting of the same name.
#ifndef HPO_WORKER_TASK_PLAN_H_
#define HPO_WORKER_TASK_PLAN_H_

#include "absl/status/statusor.h"
#include "google/protobuf/map.h"
#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"
#include "worker/engine/data.h"
#include "worker/engine/trainer.h"

namespace hpo::worker {

struct TaskPlan {
  engine::DataConfig data;
  engine::TrainConfig train;
};

// INVALID_ARGUMENT naming the setting when a value does not fit (a param of
// the wrong kind, an unknown activation); the spec validator catches these
// first, so this is a second line of defence against an old or foreign spec.
absl::StatusOr<TaskPlan> PlanTask(v1::TaskSpec task,
                                  const google::protobuf::Map<std::string, v1::ParamValue>& params);

// The field of an epoch's report that holds engine metric `metric`
// (kEngineMetrics in common/objective.h); INVALID_ARGUMENT for a name the
// engine does not report.
absl::StatusOr<double engine::EpochReport::*> EngineMetricField(std::string_view metric);

}  // namespace hpo::worker

#endif  // HPO_WORKER_TASK_PLAN_H_
