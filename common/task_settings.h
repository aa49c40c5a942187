// Names shared by the spec validator (common/) and the training engine
// (worker/engine/): the values of a task's named settings, and which training
// settings a study may search. No protobuf here: the engine includes it.
#ifndef HPO_COMMON_TASK_SETTINGS_H_
#define HPO_COMMON_TASK_SETTINGS_H_

#include <array>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace hpo {

inline constexpr std::array<std::string_view, 4> kActivationNames = {"relu", "tanh", "sigmoid",
                                                                    "gelu"};
inline constexpr std::array<std::string_view, 6> kInitNames = {
    "he_normal", "he_uniform", "xavier_normal", "xavier_uniform", "torch_default", "normal"};
inline constexpr std::array<std::string_view, 4> kModelTypes = {"mlp", "linear", "cnn",
                                                                "sequential"};
inline constexpr std::array<std::string_view, 3> kDatasetNames = {"fashion-mnist",
                                                                 "synthetic-regression", "csv"};
// csv datasets: what the label column holds, and how features are scaled.
inline constexpr std::array<std::string_view, 2> kProblemNames = {"classification", "regression"};
inline constexpr std::array<std::string_view, 2> kScalingNames = {"none", "standardize"};
// Losses, as PyTorch's nn.CrossEntropyLoss, nn.MSELoss and nn.BCEWithLogitsLoss.
inline constexpr std::array<std::string_view, 3> kLossNames = {"cross_entropy", "mse",
                                                              "binary_cross_entropy"};
// Learning-rate schedules, stepped once per optimiser step.
inline constexpr std::array<std::string_view, 4> kScheduleNames = {"constant", "step", "cosine",
                                                                  "warmup_cosine"};
inline constexpr std::string_view kFashionMnistDefaultPath = "/usr/share/datasets/fashion-mnist";
// Fashion-MNIST's shape: 28 x 28 images in 10 classes.
inline constexpr int kFashionMnistImageSide = 28;
inline constexpr int kFashionMnistPixels = kFashionMnistImageSide * kFashionMnistImageSide;
inline constexpr int kFashionMnistClasses = 10;

// The training settings a study with a task may search: one row each, read
// by the spec validator (kind and range of a searched parameter and of the
// task's fixed value), the spec defaults, the worker's task planning, run-once
// and the README's list (tests/common/task_settings_test.cc checks it).
// Adding a searchable setting is one row here (plus the engine using the
// field). A searched parameter of one of these names overrides the task's
// fixed setting for that trial.
enum class SettingKind { kFloat, kInt, kCategorical };

struct TaskSetting {
  std::string_view name;
  SettingKind kind;
  // The TaskSpec field it sets ("optimizer.lr"); for model.hidden, a searched
  // value sets every hidden layer.
  std::string_view field;
  // float and int: the values allowed are in [low, high]; an open end
  // excludes the bound itself, an infinite high means "finite".
  double low = 0;
  bool low_open = false;
  double high = 0;
  bool high_open = false;
  // categorical: the choices allowed.
  const std::string_view* choices = nullptr;
  size_t choice_count = 0;
  // The value a task gets when its spec leaves the field unset; with
  // !has_default the field's zero (or "none") stands.
  bool has_default = false;
  double default_number = 0;
  std::string_view default_choice;
  std::string_view help;
  // Without a default: what the field's zero means, for the README.
  std::string_view unset_means = "";
  // The model types whose layers the setting shapes, space-separated ("mlp
  // cnn"); empty: every task.
  std::string_view model_types = "";
};

inline constexpr double kSettingInf = __builtin_huge_val();
inline constexpr double kMaxInt32Setting = 2147483647;
inline constexpr double kMaxEpochs = 10000;
inline constexpr double kMaxHiddenWidth = 65536;
inline constexpr double kMaxChannels = 4096;
inline constexpr double kMaxKernelSize = 31;

// The optimiser's defaults are PyTorch's torch.optim.AdamW's; its rules are
// PyTorch's too, except that lr and eps must be > 0 (0 trains nothing, or
// divides by zero).
inline constexpr TaskSetting kTaskSettings[] = {
    {"lr", SettingKind::kFloat, "optimizer.lr", 0, true, kSettingInf, false, nullptr, 0, true, 1e-3,
     "", "AdamW's learning rate"},
    {"weight_decay", SettingKind::kFloat, "optimizer.weight_decay", 0, false, kSettingInf, false,
     nullptr, 0, true, 1e-2, "", "AdamW's decoupled weight decay"},
    {"beta1", SettingKind::kFloat, "optimizer.beta1", 0, false, 1, true, nullptr, 0, true, 0.9, "",
     "AdamW's first-moment decay"},
    {"beta2", SettingKind::kFloat, "optimizer.beta2", 0, false, 1, true, nullptr, 0, true, 0.999,
     "", "AdamW's second-moment decay"},
    {"eps", SettingKind::kFloat, "optimizer.eps", 0, true, kSettingInf, false, nullptr, 0, true,
     1e-8, "", "AdamW's denominator term"},
    {"dropout", SettingKind::kFloat, "model.dropout", 0, false, 1, true, nullptr, 0, true, 0, "",
     "dropout probability after every hidden activation (mlp, cnn)", "", "mlp linear cnn"},
    {"max_grad_norm", SettingKind::kFloat, "max_grad_norm", 0, false, kSettingInf, false, nullptr,
     0, false, 0, "", "clip gradients to this global L2 norm", "0: no clipping"},
    {"batch_size", SettingKind::kInt, "batch_size", 1, false, kMaxInt32Setting, false, nullptr, 0,
     true, 128, "", "examples per optimiser step"},
    {"epochs", SettingKind::kInt, "epochs", 1, false, kMaxEpochs, false, nullptr, 0, true, 3, "",
     "passes over the training data"},
    {"width", SettingKind::kInt, "model.hidden", 1, false, kMaxHiddenWidth, false, nullptr, 0,
     false, 0, "", "units of every hidden layer (mlp; cnn: of its head)",
     "the task's hidden widths", "mlp cnn"},
    {"channels", SettingKind::kInt, "model.channels", 1, false, kMaxChannels, false, nullptr, 0,
     false, 0, "", "out_channels of every convolution (cnn)", "the task's channels", "cnn"},
    {"kernel_size", SettingKind::kInt, "model.kernel_size", 1, false, kMaxKernelSize, false,
     nullptr, 0, false, 0, "", "kernel size of every convolution (cnn)", "3", "cnn"},
    {"eta_min", SettingKind::kFloat, "schedule.eta_min", 0, false, kSettingInf, false, nullptr, 0,
     false, 0, "", "the lr a cosine schedule ends at", "0"},
    {"warmup_steps", SettingKind::kInt, "schedule.warmup_steps", 0, false, kMaxInt32Setting, false,
     nullptr, 0, false, 0, "", "steps of linear warmup (warmup_cosine schedule)", "0"},
    {"activation", SettingKind::kCategorical, "model.activation", 0, false, 0, false,
     kActivationNames.data(), kActivationNames.size(), true, 0, "relu",
     "activation after every hidden layer (mlp, cnn)", "", "mlp linear cnn"},
    {"init", SettingKind::kCategorical, "model.init", 0, false, 0, false, kInitNames.data(),
     kInitNames.size(), true, 0, "he_normal", "weight initialiser"},
};

// The row of `name`, or nullptr.
constexpr const TaskSetting* FindTaskSetting(std::string_view name) {
  for (const TaskSetting& setting : kTaskSettings) {
    if (setting.name == name) return &setting;
  }
  return nullptr;
}

// Whether a number satisfies a numeric setting's rule.
constexpr bool TaskSettingAllows(const TaskSetting& s, double value) {
  const bool above = s.low_open ? value > s.low : value >= s.low;
  const bool below = s.high_open ? value < s.high : value <= s.high;
  return value - value == 0 && above && below;  // finite
}

// A kind's name, which is also the spec file's type of a parameter of that
// kind: "float", "int", "categorical".
constexpr std::string_view SettingKindName(SettingKind kind) {
  return kind == SettingKind::kFloat ? "float" : kind == SettingKind::kInt ? "int" : "categorical";
}

// A number of the setting as messages show it: an integer for int settings.
std::string TaskSettingNumber(const TaskSetting& setting, double x);

// A numeric setting's rule as text: "in [1, 10000]", ">= 1", ">= 0 and < 1",
// "> 0 and finite".
std::string TaskSettingRule(const TaskSetting& setting);

// For the engine: OK when `value` satisfies the rule of setting `name`, else
// INVALID_ARGUMENT `FIELD is VALUE; must be RULE` (the field as in the spec's
// task, e.g. "optimizer.lr is 0; must be > 0 and finite"; `field`, when
// given, names it instead, e.g. "model.hidden[1]").
absl::Status CheckTaskSetting(std::string_view name, double value, std::string_view field = {});

// The default of a numeric setting, for engine structs that mirror it.
constexpr double TaskSettingDefault(std::string_view name) {
  return FindTaskSetting(name)->default_number;
}

}  // namespace hpo

#endif  // HPO_COMMON_TASK_SETTINGS_H_
