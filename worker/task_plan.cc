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
  switch (layer.layer_case()) {
    case v1::LayerSpec::kLinear:
      return engine::LayerConfig{.kind = Kind::kLinear, .size = layer.linear().out_features()};
    case v1::LayerSpec::kConv2D: {
      const v1::Conv2dLayerSpec& c = layer.conv2d();
      return engine::LayerConfig{.kind = Kind::kConv2d,
                                 .size = c.out_channels(),
                                 .kernel_size = c.kernel_size(),
                                 .stride = c.has_stride() ? c.stride() : 1,
                                 .padding = c.padding()};
    }
    case v1::LayerSpec::kMaxPool2D:
    case v1::LayerSpec::kAvgPool2D: {
      const bool max = layer.has_max_pool2d();
      const v1::Pool2dLayerSpec& p = max ? layer.max_pool2d() : layer.avg_pool2d();
      return engine::LayerConfig{.kind = max ? Kind::kMaxPool2d : Kind::kAvgPool2d,
                                 .kernel_size = p.kernel_size(),
                                 .stride = p.has_stride() ? p.stride() : p.kernel_size(),
                                 .padding = p.padding()};
    }
    case v1::LayerSpec::kFlatten:
      return engine::LayerConfig{.kind = Kind::kFlatten};
    case v1::LayerSpec::kDropout:
      return engine::LayerConfig{
          .kind = Kind::kDropout,
          .p = layer.dropout().has_p() ? layer.dropout().p() : kDropoutLayerDefaultP};
    case v1::LayerSpec::kBatchNorm1D:
    case v1::LayerSpec::kBatchNorm2D: {
      const bool spatial = layer.has_batch_norm2d();
      const v1::BatchNormLayerSpec& b = spatial ? layer.batch_norm2d() : layer.batch_norm1d();
      return engine::LayerConfig{
          .kind = spatial ? Kind::kBatchNorm2d : Kind::kBatchNorm1d,
          .eps = b.has_eps() ? b.eps() : kBatchNormDefaultEps,
          .momentum = b.has_momentum() ? b.momentum() : kBatchNormDefaultMomentum};
    }
    case v1::LayerSpec::LAYER_NOT_SET:
      return absl::InvalidArgumentError("model.layers: a layer names no kind");
    default: {  // an activation, by its field's name
      ASSIGN_OR_RETURN(engine::Activation activation,
                       engine::ParseActivation(LayerKindName(layer)));
      return engine::LayerConfig{.kind = Kind::kActivation, .activation = activation};
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
