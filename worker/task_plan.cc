#include "worker/task_plan.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/engine/activations.h"
#include "worker/engine/init.h"
#include "worker/engine/losses.h"
#include "worker/engine/schedule.h"

namespace hpo::worker {
namespace {

using ParamMap = google::protobuf::Map<std::string, v1::ParamValue>;

absl::Status WrongKind(const std::string& name, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("params.", name, ": expected a ", expected, " value"));
}

// Overwrites *out with the searched value of `name`, when there is one.
absl::Status OverrideFloat(const ParamMap& params, const std::string& name, double* out) {
  auto it = params.find(name);
  if (it == params.end()) return absl::OkStatus();
  if (!it->second.has_float_value()) return WrongKind(name, "float");
  *out = it->second.float_value();
  return absl::OkStatus();
}

absl::Status OverrideInt(const ParamMap& params, const std::string& name, int* out) {
  auto it = params.find(name);
  if (it == params.end()) return absl::OkStatus();
  if (!it->second.has_int_value()) return WrongKind(name, "int");
  *out = static_cast<int>(it->second.int_value());
  return absl::OkStatus();
}

absl::Status OverrideText(const ParamMap& params, const std::string& name, std::string* out) {
  auto it = params.find(name);
  if (it == params.end()) return absl::OkStatus();
  if (!it->second.has_categorical_value()) return WrongKind(name, "categorical");
  *out = it->second.categorical_value();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TaskPlan> PlanTask(const v1::TaskSpec& task, const ParamMap& params) {
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
  int width = 0;
  RETURN_IF_ERROR(OverrideInt(params, "width", &width));
  if (width > 0) {
    for (int& units : train.hidden) units = width;
  }
  std::string activation = model.activation();
  std::string init = model.init();
  RETURN_IF_ERROR(OverrideText(params, "activation", &activation));
  RETURN_IF_ERROR(OverrideText(params, "init", &init));
  ASSIGN_OR_RETURN(train.activation, engine::ParseActivation(activation));
  ASSIGN_OR_RETURN(train.init, engine::ParseInit(init));
  train.dropout = model.dropout();
  RETURN_IF_ERROR(OverrideFloat(params, "dropout", &train.dropout));

  const v1::OptimizerSpec& optimizer = task.optimizer();
  engine::AdamWOptions& adamw = train.optimizer;
  if (optimizer.has_lr()) adamw.lr = optimizer.lr();
  if (optimizer.has_weight_decay()) adamw.weight_decay = optimizer.weight_decay();
  if (optimizer.has_beta1()) adamw.beta1 = optimizer.beta1();
  if (optimizer.has_beta2()) adamw.beta2 = optimizer.beta2();
  if (optimizer.has_eps()) adamw.eps = optimizer.eps();
  RETURN_IF_ERROR(OverrideFloat(params, "lr", &adamw.lr));
  RETURN_IF_ERROR(OverrideFloat(params, "weight_decay", &adamw.weight_decay));
  RETURN_IF_ERROR(OverrideFloat(params, "beta1", &adamw.beta1));
  RETURN_IF_ERROR(OverrideFloat(params, "beta2", &adamw.beta2));
  RETURN_IF_ERROR(OverrideFloat(params, "eps", &adamw.eps));
  adamw.amsgrad = optimizer.amsgrad();

  ASSIGN_OR_RETURN(train.loss, engine::ParseLoss(task.loss()));
  train.max_grad_norm = task.max_grad_norm();
  RETURN_IF_ERROR(OverrideFloat(params, "max_grad_norm", &train.max_grad_norm));
  const v1::ScheduleSpec& schedule = task.schedule();
  if (!schedule.type().empty()) {
    ASSIGN_OR_RETURN(train.schedule.type, engine::ParseScheduleType(schedule.type()));
  }
  if (schedule.step_size() > 0) train.schedule.step_size = schedule.step_size();
  if (schedule.has_gamma()) train.schedule.gamma = schedule.gamma();
  train.schedule.eta_min = schedule.eta_min();
  train.schedule.warmup_steps = schedule.warmup_steps();
  int warmup_steps = -1;
  RETURN_IF_ERROR(OverrideInt(params, "warmup_steps", &warmup_steps));
  if (warmup_steps >= 0) train.schedule.warmup_steps = warmup_steps;

  train.epochs = task.epochs();
  train.batch_size = task.batch_size();
  RETURN_IF_ERROR(OverrideInt(params, "epochs", &train.epochs));
  RETURN_IF_ERROR(OverrideInt(params, "batch_size", &train.batch_size));
  train.seed = task.seed();
  return plan;
}

}  // namespace hpo::worker
