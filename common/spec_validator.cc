#include "common/spec_validator.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/api_limits.h"
#include "common/model_cost.h"
#include "common/model_layers.h"
#include "common/objective.h"
#include "common/pruner_spec.h"
#include "common/sampler_spec.h"
#include "common/search_space.h"
#include "common/spec_error.h"
#include "common/spec_writer.h"
#include "common/status_macros.h"
#include "common/string_view_compat.h"
#include "common/task_settings.h"
#include "common/task_spec_settings.h"

namespace hpo {
namespace {

constexpr int64_t kMaxExamples = 10'000'000;
// One example's values, and any one side of its shape.
constexpr int64_t kMaxExampleValues = 16'777'216;
constexpr int64_t kMaxInputSide = 65536;
constexpr int64_t kMaxPathBytes = 4096;
constexpr double kMinLeaseSeconds = 1;
// params x choices x candidates that one TPE Ask may weigh (a float or int
// parameter counts as one choice): bounds the work of sampling a trial.
constexpr int64_t kMaxTpeCost = 250'000;
constexpr int32_t kFashionMnistTrainImages = 60000;

constexpr std::string_view kOptimizerTypes[] = {"adamw"};

template <typename Names>
bool Contains(const Names& names, std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

template <typename Names>
std::string JoinNames(const Names& names) {
  std::string joined;
  for (std::string_view name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}

template <typename Names>
std::string OneOf(const Names& names) {
  return absl::StrCat("(expected one of: ", JoinNames(names), ")");
}

// For a named choice (sampler, pruner, dataset, ...): OK if known, else a
// message that says what would be accepted.
template <typename Names>
absl::Status CheckName(std::string_view path, std::string_view what, std::string_view value,
                       const Names& known) {
  if (Contains(known, value)) return absl::OkStatus();
  if (value.empty()) return SpecFieldError(path, absl::StrCat("must be set ", OneOf(known)));
  return SpecFieldError(
      path, absl::StrCat("unknown ", ToAbsl(what), " \"", ToAbsl(value), "\" ", OneOf(known)));
}

template <typename Names, typename Planned>
absl::Status CheckPlannedName(std::string_view path, std::string_view what, std::string_view value,
                              const Names& known, const Planned& planned) {
  if (Contains(planned, value)) {
    return SpecFieldError(
        path, absl::StrCat("\"", ToAbsl(value), "\" is not available yet ", OneOf(known)));
  }
  return CheckName(path, what, value, known);
}

absl::Status ValidateStudyName(std::string_view name) {
  if (name.empty()) return SpecFieldError("name", "must not be empty");
  if (static_cast<int64_t>(name.size()) > kMaxStudyNameBytes) {
    return SpecFieldError("name", absl::StrCat("must be at most ", kMaxStudyNameBytes,
                                               " characters (got ", name.size(), ")"));
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return SpecFieldError("name", absl::StrCat("\"", ToAbsl(name),
                                                 "\" may only contain letters, digits, "
                                                 "'.', '_' and '-'"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRange(std::string_view path, int64_t value, int64_t low, int64_t high) {
  if (value >= low && value <= high) return absl::OkStatus();
  return SpecFieldError(path, absl::StrCat("must be in [", low, ", ", high, "] (got ", value, ")"));
}

// The rules of the settings whose 0 in a stored spec or a request means
// "take the default"; ValidateWrittenZeros applies them to a file's 0 too.

absl::Status CheckSetting(std::string_view name, double value) {
  return CheckTaskSettingNumber(*FindTaskSetting(name), absl::StrCat("task.", ToAbsl(name)), value);
}

absl::Status CheckLeaseSeconds(double lease_seconds) {
  if (lease_seconds >= kMinLeaseSeconds && lease_seconds <= kMaxLeaseSeconds) {
    return absl::OkStatus();
  }
  return SpecFieldError(
      "lease_seconds",
      absl::StrCat("must be in [", FormatDouble(kMinLeaseSeconds), ", ",
                   FormatDouble(kMaxLeaseSeconds), "] (got ", FormatDouble(lease_seconds), ")"));
}

// A path a worker will open: no NUL or control character (which no real file
// name needs, and which would garble every message that names the path).
absl::Status CheckPath(std::string_view field, const std::string& path) {
  if (static_cast<int64_t>(path.size()) > kMaxPathBytes) {
    return SpecFieldError(
        field, absl::StrCat("at most ", kMaxPathBytes, " bytes (got ", path.size(), ")"));
  }
  for (char c : path) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return SpecFieldError(field, "must not contain control characters");
    }
  }
  return absl::OkStatus();
}

// 0 is "all that remain after the validation split", except for generated
// data, which has no such thing.
absl::Status CheckTrainExamples(const v1::DatasetSpec& dataset) {
  const int min = dataset.name() == "synthetic-regression" ? 1 : 0;
  if (dataset.train_examples() >= min) return absl::OkStatus();
  return SpecFieldError("task.dataset.train_examples",
                        absl::StrCat("must be >= ", min, " (got ", dataset.train_examples(), ")"));
}

// csv: 0 takes 20% of the file's rows (unknown until a worker reads it).
absl::Status CheckValidationExamples(const v1::DatasetSpec& dataset) {
  const int min = dataset.name() == "csv" ? 0 : 1;
  if (dataset.validation_examples() >= min) return absl::OkStatus();
  return SpecFieldError(
      "task.dataset.validation_examples",
      absl::StrCat("must be >= ", min, " (got ", dataset.validation_examples(), ")"));
}

absl::Status ValidateDataset(const v1::DatasetSpec& dataset) {
  RETURN_IF_ERROR(CheckName("task.dataset.name", "dataset", dataset.name(), kDatasetNames));
  RETURN_IF_ERROR(CheckTrainExamples(dataset));
  RETURN_IF_ERROR(CheckValidationExamples(dataset));
  RETURN_IF_ERROR(
      CheckRange("task.dataset.train_examples", dataset.train_examples(), 0, kMaxExamples));
  RETURN_IF_ERROR(CheckRange("task.dataset.validation_examples", dataset.validation_examples(), 0,
                             kMaxExamples));
  RETURN_IF_ERROR(CheckPath("task.dataset.path", dataset.path()));
  RETURN_IF_ERROR(CheckPath("task.dataset.test_path", dataset.test_path()));
  RETURN_IF_ERROR(CheckPath("task.dataset.label_column", dataset.label_column()));
  const bool csv = dataset.name() == "csv";
  if (csv && dataset.path().empty()) {
    return SpecFieldError("task.dataset.path", "must name the CSV file of a csv dataset");
  }
  // Empty problem and scaling take their defaults (classification, none).
  if (csv && !dataset.problem().empty()) {
    RETURN_IF_ERROR(
        CheckName("task.dataset.problem", "problem", dataset.problem(), kProblemNames));
  }
  if (!dataset.scaling().empty()) {
    RETURN_IF_ERROR(
        CheckName("task.dataset.scaling", "scaling", dataset.scaling(), kScalingNames));
  }
  if (dataset.name() == "fashion-mnist" &&
      int64_t{dataset.train_examples()} + dataset.validation_examples() >
          kFashionMnistTrainImages) {
    return SpecFieldError("task.dataset", absl::StrCat("train_examples + validation_examples (",
                                                       int64_t{dataset.train_examples()} +
                                                           dataset.validation_examples(),
                                                       ") exceeds the ", kFashionMnistTrainImages,
                                                       " training images of fashion-mnist"));
  }
  return absl::OkStatus();
}

// Each type has its own fields; a field of another type would be ignored,
// so it is refused.
absl::Status ValidateModelFields(const v1::ModelSpec& model) {
  const std::string& type = model.type();
  if (type == "mlp" && model.hidden().empty()) {
    return SpecFieldError("task.model.hidden",
                          "an mlp needs at least one hidden layer (or use type: linear)");
  }
  if ((type == "linear" || type == "sequential") && !model.hidden().empty()) {
    return SpecFieldError("task.model.hidden",
                          absl::StrCat("a ", type, " model has no hidden field",
                                       type == "sequential" ? " (write its layers)" : ""));
  }
  if (type == "cnn" && model.channels().empty()) {
    return SpecFieldError("task.model.channels",
                          "a cnn needs at least one convolution's channels, e.g. [32, 64]");
  }
  if (type != "cnn" && !model.channels().empty()) {
    return SpecFieldError("task.model.channels", "only a cnn has channels");
  }
  if (type != "cnn" && model.batch_norm()) {
    return SpecFieldError("task.model.batch_norm",
                          "only a cnn has batch_norm (a sequential model writes its layers)");
  }
  if (type != "cnn" && model.has_kernel_size()) {
    return SpecFieldError("task.model.kernel_size",
                          "only a cnn has kernel_size (a sequential model's conv2d sets its own)");
  }
  if (type == "sequential" && model.layers().empty()) {
    return SpecFieldError("task.model.layers", "a sequential model needs at least one layer");
  }
  if (type != "sequential" && !model.layers().empty()) {
    return SpecFieldError("task.model.layers",
                          absl::StrCat("only a sequential model has layers (got type ", type, ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateInputShape(const v1::TaskSpec& task) {
  const auto& shape = task.model().input_shape();
  if (shape.empty()) return absl::OkStatus();
  if (shape.size() != 1 && shape.size() != 3) {
    return SpecFieldError("task.model.input_shape",
                          absl::StrCat("expected [channels, height, width] or [features] (got ",
                                       shape.size(), " values)"));
  }
  int64_t size = 1;
  for (int i = 0; i < shape.size(); ++i) {
    RETURN_IF_ERROR(
        CheckRange(absl::StrCat("task.model.input_shape[", i, "]"), shape[i], 1, kMaxInputSide));
    size *= shape[i];
  }
  if (size > kMaxExampleValues) {
    return SpecFieldError("task.model.input_shape",
                          absl::StrCat("has ", size, " values (at most ", kMaxExampleValues, ")"));
  }
  if (task.dataset().name() == "fashion-mnist" && size != kFashionMnistPixels) {
    return SpecFieldError("task.model.input_shape",
                          absl::StrCat("has ", size, " values; fashion-mnist's images have ",
                                       kFashionMnistPixels, " ([1, 28, 28])"));
  }
  return absl::OkStatus();
}

// The model's layers, once its fields are known to be valid.
absl::Status ValidateModelLayers(const v1::TaskSpec& task) {
  RETURN_IF_ERROR(ValidateInputShape(task));
  const std::vector<v1::LayerSpec> layers = ModelLayers(task.model());
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string path = absl::StrCat("task.model.layers[", i, "]");
    if (LayerKindName(layers[i]).empty()) {
      std::vector<std::string_view> kinds;
      for (int k = 0; k < v1::LayerSpec::descriptor()->field_count(); ++k) {
        kinds.push_back(v1::LayerSpec::descriptor()->field(k)->name());
      }
      return SpecFieldError(path, absl::StrCat("names no layer ", OneOf(kinds)));
    }
    if (layers[i].has_linear() && layers[i].linear().out_features() == 0 &&
        i + 1 != layers.size()) {
      return SpecFieldError(absl::StrCat(path, ".linear.out_features"),
                            "must be set (only the last layer may leave it: the task's outputs)");
    }
    if (IsSpatialLayer(layers[i]) && !TaskInputShape(task).has_value()) {
      return SpecFieldError(
          "task.model.input_shape",
          absl::StrCat("must be set ([channels, height, width]) for the ",
                       ToAbsl(LayerKindName(layers[i])), " layer of a csv dataset"));
    }
  }
  const std::string last = absl::StrCat("task.model.layers[", layers.size() - 1, "]");
  if (!layers.back().has_linear()) {
    return SpecFieldError(
        last,
        "the last layer must be linear (it gives the task's outputs; leave out_features unset)");
  }
  const int out_features = layers.back().linear().out_features();
  if (task.dataset().name() == "fashion-mnist" && out_features != 0 &&
      out_features != kFashionMnistClasses) {
    return SpecFieldError(last, absl::StrCat("gives ", out_features, " outputs; fashion-mnist has ",
                                             kFashionMnistClasses, " classes"));
  }
  return absl::OkStatus();
}

absl::Status ValidateOptimizer(const v1::OptimizerSpec& optimizer) {
  return CheckName("task.optimizer.type", "optimizer", optimizer.type(), kOptimizerTypes);
}

absl::Status ValidateSchedule(const v1::ScheduleSpec& schedule) {
  // Empty (a spec stored before schedules existed) means constant.
  if (!schedule.type().empty()) {
    RETURN_IF_ERROR(CheckName("task.schedule.type", "schedule", schedule.type(), kScheduleNames));
  }
  if (schedule.type() == "step" && schedule.step_size() < 1) {
    return SpecFieldError("task.schedule.step_size",
                          absl::StrCat("must be >= 1 for a step schedule (got ",
                                       schedule.step_size(), ")"));
  }
  if (schedule.has_gamma() && !(schedule.gamma() > 0 && schedule.gamma() <= 1)) {
    return SpecFieldError("task.schedule.gamma", absl::StrCat("must be > 0 and <= 1 (got ",
                                                              FormatDouble(schedule.gamma()), ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateTask(const v1::TaskSpec& task) {
  RETURN_IF_ERROR(ValidateDataset(task.dataset()));
  RETURN_IF_ERROR(CheckName("task.model.type", "model type", task.model().type(), kModelTypes));
  RETURN_IF_ERROR(ValidateModelFields(task.model()));
  RETURN_IF_ERROR(ValidateOptimizer(task.optimizer()));
  if (!task.loss().empty()) RETURN_IF_ERROR(CheckName("task.loss", "loss", task.loss(), kLossNames));
  RETURN_IF_ERROR(ValidateSchedule(task.schedule()));
  // The fixed values of the searchable settings, by the same rules as a search.
  for (const TaskSetting& setting : kTaskSettings) {
    for (const TaskSettingValue& value : TaskSettingValues(setting, task)) {
      if (setting.kind == SettingKind::kCategorical) {
        RETURN_IF_ERROR(CheckTaskSettingChoice(setting, value.path, value.choice));
      } else {
        RETURN_IF_ERROR(CheckTaskSettingNumber(setting, value.path, value.number));
      }
    }
  }
  return ValidateModelLayers(task);
}

// A searched parameter of a study with a task overrides one training setting:
// of its kind, with bounds (or choices) inside the setting's rule.
absl::Status ValidateTaskParam(const v1::ParamSpec& param, const v1::TaskSpec& task) {
  const std::string path = absl::StrCat("params.", param.name());
  const TaskSetting* setting = FindTaskSetting(param.name());
  if (setting == nullptr) {
    std::string names;
    for (const TaskSetting& s : kTaskSettings)
      absl::StrAppend(&names, names.empty() ? "" : ", ", ToAbsl(s.name));
    return SpecFieldError(
        path, absl::StrCat("not a training setting of the task (searchable: ", names, ")"));
  }
  const std::string_view kind = SettingKindName(setting->kind);
  if (DistributionOf(param).type != kind) {
    return SpecFieldError(
        path, absl::StrCat(param.name(), " is ", kind == "int" ? "an " : "a ", ToAbsl(kind),
                           " setting of the task (use type: ", ToAbsl(kind), ")"));
  }
  if (!setting->model_types.empty() &&
      !absl::c_linear_search(absl::StrSplit(ToAbsl(setting->model_types), ' '),
                             task.model().type())) {
    return SpecFieldError(
        path, absl::StrCat("searching ", param.name(), " needs task.model.type ",
                           absl::StrJoin(absl::StrSplit(ToAbsl(setting->model_types), ' '), " or "),
                           " (got \"", task.model().type(), "\")"));
  }
  if (param.has_float_distribution()) {
    RETURN_IF_ERROR(
        CheckTaskSettingNumber(*setting, path + ".low", param.float_distribution().low()));
    return CheckTaskSettingNumber(*setting, path + ".high", param.float_distribution().high());
  }
  if (param.has_int_distribution()) {
    RETURN_IF_ERROR(
        CheckTaskSettingNumber(*setting, path + ".low", param.int_distribution().low()));
    return CheckTaskSettingNumber(*setting, path + ".high", param.int_distribution().high());
  }
  const auto& choices = param.categorical_distribution().choices();
  for (int i = 0; i < choices.size(); ++i) {
    RETURN_IF_ERROR(
        CheckTaskSettingChoice(*setting, absl::StrCat(path, ".choices[", i, "]"), choices[i]));
  }
  return absl::OkStatus();
}

// Where in its search space a study's model is checked: as the task fixes
// it, and with every searched numeric training setting at its low or high
// end.
enum class Corner { kFixed, kLow, kHigh };

v1::TaskSpec TaskAt(const v1::StudySpec& spec, Corner corner) {
  v1::TaskSpec task = spec.task();
  if (corner == Corner::kFixed) return task;
  const bool high = corner == Corner::kHigh;
  for (const v1::ParamSpec& param : spec.params()) {
    const TaskSetting* setting = FindTaskSetting(param.name());
    if (setting == nullptr) continue;
    v1::ParamValue value;
    if (param.has_float_distribution()) {
      value.set_float_value(high ? param.float_distribution().high()
                                 : param.float_distribution().low());
    } else if (param.has_int_distribution()) {
      value.set_int_value(high ? param.int_distribution().high() : param.int_distribution().low());
    } else {
      continue;
    }
    OverrideTaskSetting(*setting, value, &task).IgnoreError();  // the kinds were checked
  }
  return task;
}

// The field to name for a model that does not fit: the model's own field
// when its fixed settings do not fit, else the searched setting (the first
// that shapes the model; the batch size for activation memory).
std::string ModelSizeField(const v1::StudySpec& spec, Corner corner, int failed_layer) {
  for (const v1::ParamSpec& param : spec.params()) {
    const TaskSetting* setting = FindTaskSetting(param.name());
    if (corner != Corner::kFixed && setting != nullptr && setting->kind == SettingKind::kInt &&
        absl::StartsWith(ToAbsl(setting->field), "model.")) {
      return absl::StrCat("params.", param.name(), corner == Corner::kHigh ? ".high" : ".low");
    }
  }
  const std::string& type = spec.task().model().type();
  if (type == "sequential") {
    return failed_layer >= 0 ? absl::StrCat("task.model.layers[", failed_layer, "]")
                             : "task.model.layers";
  }
  return type == "cnn" ? "task.model.channels" : "task.model.hidden";
}

// The model's layers must fit the example's shape wherever the search space
// goes, and the largest model and batch it allows must fit the bounds of
// common/model_cost.h. A csv file's shape is known only to the worker, which
// checks again before it allocates.
absl::Status ValidateModelCost(const v1::StudySpec& spec) {
  const int outputs = spec.task().dataset().name() == "fashion-mnist" ? kFashionMnistClasses : 1;
  for (const Corner corner : {Corner::kFixed, Corner::kLow, Corner::kHigh}) {
    const v1::TaskSpec task = TaskAt(spec, corner);
    const ModelSize size = SizeModel(ModelLayers(task.model()),
                                     TaskInputShape(task).value_or(Shape{1, 1, 1}), outputs);
    if (size.failed_layer >= 0) {
      const bool derived = task.model().type() != "sequential";
      return SpecFieldError(ModelSizeField(spec, corner, size.failed_layer),
                            derived ? absl::StrCat("layer ", size.failed_layer, " of the ",
                                                   task.model().type(), ": ", size.failure)
                                    : size.failure);
    }
    if (corner == Corner::kLow) continue;
    if (size.parameters > kMaxModelParameters) {
      return SpecFieldError(
          ModelSizeField(spec, corner, -1),
          absl::StrCat("the model would have ", size.parameters, " parameters (at most ",
                       kMaxModelParameters, "); use narrower or fewer layers"));
    }
    const int64_t activations = ActivationBytes(size.widths, task.batch_size());
    if (activations > kMaxActivationBytes) {
      return SpecFieldError(
          "task.batch_size",
          absl::StrCat("a batch of ", task.batch_size(), " through this model needs ", activations,
                       " bytes of activations (at most ", kMaxActivationBytes,
                       "); use a smaller batch or a narrower model"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTpeCost(const v1::StudySpec& spec) {
  // "auto" moves to TPE after its GP trials.
  const bool is_auto = spec.sampler().type() == "auto";
  if (spec.sampler().type() != "tpe" && !is_auto) return absl::OkStatus();
  const int64_t candidates = spec.sampler().has_n_ei_candidates() ? spec.sampler().n_ei_candidates()
                                                                  : kDefaultTpeEiCandidates;
  int64_t choices = 0;
  for (const v1::ParamSpec& param : spec.params()) {
    choices +=
        param.has_categorical_distribution() ? param.categorical_distribution().choices_size() : 1;
  }
  if (choices * candidates <= kMaxTpeCost) return absl::OkStatus();
  return SpecFieldError(
      "params", absl::StrCat("too costly for the ", spec.sampler().type(),
                             is_auto ? " sampler (it moves to TPE): " : " sampler: ", choices,
                             " choices in all (a float or int parameter counts one) times ",
                             candidates, " n_ei_candidates is ", choices * candidates, ", at most ",
                             kMaxTpeCost, "; use fewer choices", is_auto ? "" : " or candidates"));
}

absl::Status ValidateParams(const v1::StudySpec& spec) {
  if (spec.params().empty()) return SpecFieldError("params", "at least one parameter is required");
  if (spec.params_size() > kMaxParams) {
    return SpecFieldError("params", absl::StrCat("at most ", kMaxParams, " parameters (got ",
                                                 spec.params_size(), ")"));
  }
  absl::flat_hash_set<std::string_view> names;
  for (const v1::ParamSpec& param : spec.params()) {
    RETURN_IF_ERROR(ValidateParamSpec(param));
    if (!names.insert(param.name()).second) {
      return SpecFieldError(absl::StrCat("params.", param.name()), "duplicate parameter name");
    }
    if (spec.has_task()) RETURN_IF_ERROR(ValidateTaskParam(param, spec.task()));
  }
  if (spec.has_task()) RETURN_IF_ERROR(ValidateModelCost(spec));
  return ValidateTpeCost(spec);
}

void ApplyTaskDefaults(v1::TaskSpec* task) {
  v1::ModelSpec* model = task->mutable_model();
  if (model->type().empty()) model->set_type("mlp");
  v1::OptimizerSpec* optimizer = task->mutable_optimizer();
  if (optimizer->type().empty()) optimizer->set_type("adamw");
  if (!optimizer->has_amsgrad()) optimizer->set_amsgrad(false);
  ApplyTaskSettingDefaults(task);
  v1::ScheduleSpec* schedule = task->mutable_schedule();
  if (schedule->type().empty()) schedule->set_type("constant");
  if (!schedule->has_gamma()) schedule->set_gamma(0.1);

  v1::DatasetSpec* dataset = task->mutable_dataset();
  if (dataset->name() == "fashion-mnist") {
    if (dataset->path().empty()) dataset->set_path(std::string(kFashionMnistDefaultPath));
    if (dataset->validation_examples() == 0) dataset->set_validation_examples(5000);
  } else if (dataset->name() == "synthetic-regression") {
    if (dataset->validation_examples() == 0) dataset->set_validation_examples(200);
    if (dataset->train_examples() == 0) dataset->set_train_examples(1000);
  } else if (dataset->name() == "csv") {
    if (dataset->problem().empty()) dataset->set_problem("classification");
    if (!dataset->has_header()) dataset->set_header(true);
  }
  if (dataset->scaling().empty()) dataset->set_scaling("none");
}

}  // namespace

void ApplyStudySpecDefaults(v1::StudySpec* spec) {
  ApplyObjectiveDefaults(spec);
  // Type names in any case, as enums: `type: TPE` is tpe.
  v1::SamplerSpec* sampler = spec->mutable_sampler();
  sampler->set_type(sampler->type().empty() ? kDefaultSamplerType
                                            : absl::AsciiStrToLower(sampler->type()));
  spec->mutable_pruner()->set_type(absl::AsciiStrToLower(spec->pruner().type()));
  if (spec->lease_seconds() == 0) spec->set_lease_seconds(kDefaultLeaseSeconds);
  if (!spec->has_max_retries()) spec->set_max_retries(kDefaultMaxRetries);
  for (v1::ParamSpec& param : *spec->mutable_params()) {
    if (param.has_int_distribution() && param.int_distribution().step() == 0) {
      param.mutable_int_distribution()->set_step(1);
    }
  }
  if (spec->has_task()) ApplyTaskDefaults(spec->mutable_task());
  ApplyPrunerDefaults(spec);
}

absl::Status ValidateStudySpec(const v1::StudySpec& spec) {
  if (const size_t bytes = spec.ByteSizeLong(); static_cast<int64_t>(bytes) > kMaxSpecBytes) {
    return SpecFieldError(
        "spec", absl::StrCat("at most ", kMaxSpecBytes, " bytes once encoded (got ", bytes, ")"));
  }
  RETURN_IF_ERROR(ValidateStudyName(spec.name()));
  if (spec.direction() != v1::MINIMIZE && spec.direction() != v1::MAXIMIZE) {
    return SpecFieldError("direction", "must be minimize or maximize");
  }
  RETURN_IF_ERROR(ValidateObjective(spec));
  RETURN_IF_ERROR(ValidateSamplerSpec(spec.sampler()));
  RETURN_IF_ERROR(ValidatePrunerSpec(spec));
  if (spec.max_trials() > kMaxTrialsPerStudy) {
    return SpecFieldError("max_trials", absl::StrCat("must be at most ", kMaxTrialsPerStudy,
                                                     " (got ", spec.max_trials(), ")"));
  }
  if (spec.max_trials() < 0) {
    return SpecFieldError("max_trials",
                          absl::StrCat("must be >= 0 (0: no limit), got ", spec.max_trials()));
  }
  if (spec.max_retries() < 0 || spec.max_retries() > kMaxRetries) {
    return SpecFieldError("max_retries", absl::StrCat("must be in [0, ", kMaxRetries, "] (got ",
                                                      spec.max_retries(), ")"));
  }
  RETURN_IF_ERROR(CheckLeaseSeconds(spec.lease_seconds()));
  if (spec.has_task()) RETURN_IF_ERROR(ValidateTask(spec.task()));
  return ValidateParams(spec);
}

absl::Status ValidateWrittenZeros(const v1::StudySpec& spec,
                                  absl::FunctionRef<bool(const std::string&)> is_written) {
  if (spec.lease_seconds() == 0 && is_written("lease_seconds")) {
    RETURN_IF_ERROR(CheckLeaseSeconds(0));
  }
  for (const v1::ParamSpec& param : spec.params()) {
    if (is_written(absl::StrCat("params.", param.name(), ".step"))) {
      RETURN_IF_ERROR(ValidateWrittenStep(param));
    }
  }
  const v1::TaskSpec& task = spec.task();
  if (task.epochs() == 0 && is_written("task.epochs")) RETURN_IF_ERROR(CheckSetting("epochs", 0));
  if (task.batch_size() == 0 && is_written("task.batch_size")) {
    RETURN_IF_ERROR(CheckSetting("batch_size", 0));
  }
  const v1::DatasetSpec& dataset = task.dataset();
  if (dataset.train_examples() == 0 && is_written("task.dataset.train_examples")) {
    RETURN_IF_ERROR(CheckTrainExamples(dataset));
  }
  if (dataset.validation_examples() == 0 && is_written("task.dataset.validation_examples")) {
    RETURN_IF_ERROR(CheckValidationExamples(dataset));
  }
  return absl::OkStatus();
}

}  // namespace hpo
