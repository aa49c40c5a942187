#include "worker/task_plan.h"

#include "absl/strings/str_cat.h"
#include "common/model_layers.h"
#include "common/status_macros.h"
#include "common/string_view_compat.h"
#include "common/task_spec_settings.h"
#include "worker/engine/activations.h"
#include "worker/engine/init.h"
#include "worker/engine/losses.h"
#include "worker/engine/schedule.h"

namespace hpo::worker {

namespace {

// One layer of the spec in the engine's terms; a linear layer without
// out_features stays 0, which the trainer reads as the task's outputs.
absl::StatusOr<engine::LayerConfig> ToLayerConfig(const v1::LayerSpec& layer) {
  using Kind = engine::LayerConfig::Kind;
  const LayerSettings s = SettingsOf(layer);
  engine::LayerConfig config{.size = s.size,
                             .kernel_size = s.kernel_size,
                             .stride = s.stride,
                             .padding = s.padding,
                             .p = s.p,
                             .eps = s.eps,
                             .momentum = s.momentum};
  switch (layer.layer_case()) {
    case v1::LayerSpec::kLinear:
      config.kind = Kind::kLinear;
      return config;
    case v1::LayerSpec::kConv2D:
      config.kind = Kind::kConv2d;
      return config;
    case v1::LayerSpec::kMaxPool2D:
      config.kind = Kind::kMaxPool2d;
      return config;
    case v1::LayerSpec::kAvgPool2D:
      config.kind = Kind::kAvgPool2d;
      return config;
    case v1::LayerSpec::kFlatten:
      config.kind = Kind::kFlatten;
      return config;
    case v1::LayerSpec::kDropout:
      config.kind = Kind::kDropout;
      return config;
    case v1::LayerSpec::kBatchNorm1D:
      config.kind = Kind::kBatchNorm1d;
      return config;
    case v1::LayerSpec::kBatchNorm2D:
      config.kind = Kind::kBatchNorm2d;
      return config;
    case v1::LayerSpec::LAYER_NOT_SET:
      return absl::InvalidArgumentError("model.layers: a layer names no kind");
    default: {  // an activation, by its field's name
      ASSIGN_OR_RETURN(config.activation, engine::ParseActivation(LayerKindName(layer)));
      config.kind = Kind::kActivation;
      return config;
    }
  }
}

}  // namespace

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
  for (const v1::LayerSpec& layer : ModelLayers(model)) {
    ASSIGN_OR_RETURN(engine::LayerConfig config, ToLayerConfig(layer));
    train.layers.push_back(config);
  }
  train.input_shape = TaskInputShape(task);
  ASSIGN_OR_RETURN(train.init, engine::ParseInit(model.init()));

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
