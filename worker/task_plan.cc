#include "worker/task_plan.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_view_compat.h"
#include "common/task_spec_settings.h"
#include "worker/engine/activations.h"
#include "worker/engine/init.h"
#include "worker/engine/losses.h"
#include "worker/engine/schedule.h"

namespace hpo::worker {

absl::StatusOr<TaskPlan> PlanTask(
    v1::TaskSpec task, const google::protobuf::Map<std::string, v1::ParamValue>& params) {
  // A searched value replaces the task's fixed one (common/task_settings.h);
  // parameters that are no training setting do not concern the engine.
  for (const auto& [name, value] : params) {
    if (const TaskSetting* setting = FindTaskSetting(name); setting != nullptr) {
      RETURN_IF_ERROR(OverrideTaskSetting(*setting, value, &task));
    }
  }
  TaskPlan plan;
  const v1::DatasetSpec& dataset = task.dataset();
  plan.data.name = dataset.name();
  plan.data.train_examples = dataset.train_examples();
  plan.data.validation_examples = dataset.validation_examples();
  plan.data.path = dataset.path();
  plan.data.seed = dataset.seed();
  plan.data.test_path = dataset.test_path();
  plan.data.label_column = dataset.label_column();
  plan.data.header = !dataset.has_header() || dataset.header();
  plan.data.classification = dataset.problem() != "regression";
  if (!dataset.scaling().empty()) {
    ASSIGN_OR_RETURN(plan.data.scaling, engine::ParseScaling(dataset.scaling()));
  }

  engine::TrainConfig& train = plan.train;
  const v1::ModelSpec& model = task.model();
  if (model.type() != "linear") train.hidden.assign(model.hidden().begin(), model.hidden().end());
  ASSIGN_OR_RETURN(train.activation, engine::ParseActivation(model.activation()));
  ASSIGN_OR_RETURN(train.init, engine::ParseInit(model.init()));
  train.dropout = model.dropout();

  const v1::OptimizerSpec& optimizer = task.optimizer();
  engine::AdamWOptions& adamw = train.optimizer;
  if (optimizer.has_lr()) adamw.lr = optimizer.lr();
  if (optimizer.has_weight_decay()) adamw.weight_decay = optimizer.weight_decay();
  if (optimizer.has_beta1()) adamw.beta1 = optimizer.beta1();
  if (optimizer.has_beta2()) adamw.beta2 = optimizer.beta2();
  if (optimizer.has_eps()) adamw.eps = optimizer.eps();
  adamw.amsgrad = optimizer.amsgrad();

  ASSIGN_OR_RETURN(train.loss, engine::ParseLoss(task.loss()));
  train.max_grad_norm = task.max_grad_norm();
  const v1::ScheduleSpec& schedule = task.schedule();
  if (!schedule.type().empty()) {
    ASSIGN_OR_RETURN(train.schedule.type, engine::ParseScheduleType(schedule.type()));
  }
  if (schedule.step_size() > 0) train.schedule.step_size = schedule.step_size();
  if (schedule.has_gamma()) train.schedule.gamma = schedule.gamma();
  train.schedule.eta_min = schedule.eta_min();
  train.schedule.warmup_steps = schedule.warmup_steps();

  train.epochs = task.epochs();
  train.batch_size = task.batch_size();
  train.seed = task.seed();
  return plan;
}

absl::StatusOr<double engine::EpochReport::*> EngineMetricField(std::string_view metric) {
  if (metric == "val_loss") return &engine::EpochReport::val_loss;
  if (metric == "val_accuracy") return &engine::EpochReport::val_accuracy;
  if (metric == "train_loss") return &engine::EpochReport::train_loss;
  return absl::InvalidArgumentError(
      absl::StrCat("objective.metric: the engine does not report \"", ToAbsl(metric), "\""));
}

}  // namespace hpo::worker
